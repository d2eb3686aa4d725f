"""Filters of the stats API: `filter=DIM OP VALUE`, repeatable, all holding at once.

What a filter selects (visit dimensions select visits, event dimensions
select events) and how the reports count within the selection is defined
in the README ("Filters, visits and the reports' definitions"); the SQL
side is the `peil_selected_events` / `peil_filtered_visits` functions of
migration 0009, which take the filters as three parallel arrays per kind
(dimensions, operators, values), in at most MAX_FILTERS slots.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from collector.model.vocabulary import STATS_DIMENSIONS, VISIT_DIMENSIONS
from dashboard.params import BadRequest, text

OPERATORS: tuple[str, ...] = ("==", "!=", "~", "!~")
MAX_FILTERS = 10
NONE = "(none)"  # an unknown or empty value; '' in the SQL functions
MAX_VALUE = 1000

# DIM, then the operator (two-character ones first), then the value.
_FILTER = re.compile(r"\s*([A-Za-z_]+)\s*(==|!=|!~|~)\s*(.*?)\s*", re.DOTALL)


@dataclass(frozen=True)
class Filter:
    dim: str
    op: str
    value: str  # '' for (none)


@dataclass(frozen=True)
class Filters:
    visit: tuple[Filter, ...] = ()
    event: tuple[Filter, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.visit or self.event)

    def args(self) -> tuple[list[str], ...]:
        """The six arrays of the SQL functions: visit dims, ops, values, then event ones."""
        out: list[list[str]] = []
        for kind in (self.visit, self.event):
            out += [[f.dim for f in kind], [f.op for f in kind], [f.value for f in kind]]
        return tuple(out)


def parse_filters(raw: Sequence[str]) -> Filters:
    """The `filter` parameters of a request, checked; BadRequest naming 'filter'."""
    if len(raw) > MAX_FILTERS:
        raise BadRequest(f"Parameter 'filter' may be given at most {MAX_FILTERS} times.")
    visit: list[Filter] = []
    event: list[Filter] = []
    for value in raw:
        item = parse_filter(value)
        (visit if item.dim in VISIT_DIMENSIONS else event).append(item)
    return Filters(tuple(visit), tuple(event))


def parse_filter(raw: str) -> Filter:
    text(raw, "filter")
    match = _FILTER.fullmatch(raw)
    if not match:
        raise BadRequest(
            f"Parameter 'filter' must be DIMENSION OPERATOR VALUE with an operator of"
            f" {' '.join(OPERATORS)}, such as country==NL, not {raw[:60]!r}."
        )
    dim, op, value = match.groups()
    if dim not in STATS_DIMENSIONS:
        raise BadRequest(
            f"Parameter 'filter' names an unknown dimension {dim[:40]!r}; known:"
            f" {', '.join(STATS_DIMENSIONS)}."
        )
    if not value:
        raise BadRequest(
            f"Parameter 'filter' needs a value after {op!r}; {NONE} stands for an unknown one."
        )
    if len(value) > MAX_VALUE:
        raise BadRequest(f"Parameter 'filter' values are at most {MAX_VALUE} characters.")
    if value == NONE:
        if op not in ("==", "!="):
            raise BadRequest(f"Parameter 'filter': {NONE} goes only with == and !=.")
        value = ""
    return Filter(dim, op, value)
