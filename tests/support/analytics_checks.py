"""Comparing the stats API's answers with the analytics oracle
(tests/support/analytics_oracle.py), and drawing requests for the property tests.

Counts must be equal; rates (fractions rounded to 4 decimals by the API) may
differ from the oracle's unrounded value by RATE_TOL, seconds (rounded to
0.1) by SECONDS_TOL, percents of the media timeline (rounded to 0.1) by
PERCENT_TOL; a rate is null exactly when the oracle divides by zero.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime
from typing import Any

import aiohttp
import orjson

from tests.support.analytics_oracle import (
    DIMS,
    NONE,
    OPS,
    Filter,
)

RATE_TOL = 1e-4
SECONDS_TOL = 0.05 + 1e-6
PERCENT_TOL = 0.05 + 1e-6


class Api:
    """GETs of the stats API with a Bearer token; query parameters as (name, value) pairs."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url
        self.token = token

    async def get(self, path: str, pairs: list[tuple[str, str]]) -> tuple[int, Any]:
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{self.base_url}{path}",
                params=[(k, str(v)) for k, v in pairs],
                headers={"Authorization": f"Bearer {self.token}"},
            ) as response,
        ):
            raw = await response.read()
            try:
                return response.status, orjson.loads(raw)
            except orjson.JSONDecodeError:
                return response.status, raw.decode(errors="replace")


def range_pairs(
    site_key: str, first: date, last: date, filters: tuple[Filter, ...] = ()
) -> list[tuple[str, str]]:
    pairs = [("site", site_key), ("from", first.isoformat()), ("to", last.isoformat())]
    pairs += [("filter", f.text()) for f in filters]
    return pairs


def near(got: Any, want: float | None, tol: float) -> bool:
    if want is None or got is None:
        return got is None and want is None
    return isinstance(got, int | float) and math.isclose(got, want, rel_tol=0, abs_tol=tol)


def mismatches(got: dict[str, Any], want: dict[str, Any], what: str) -> list[str]:
    """What differs between an API row and the oracle's: counts exactly, rates and
    seconds within their tolerance. Only the oracle's keys are compared."""
    out = []
    for name, value in want.items():
        if name not in got:
            out.append(f"{what}: {name!r} missing (expected {value!r})")
            continue
        tol = (
            RATE_TOL
            if name.endswith("_rate") or name == "drop_off"
            else SECONDS_TOL
            if name.endswith("_s")
            else PERCENT_TOL
            if name == "audience"
            else None
        )
        if tol is None:
            if got[name] != value:
                out.append(f"{what}: {name} = {got[name]!r}, expected {value!r}")
        elif not near(got[name], value, tol):
            out.append(f"{what}: {name} = {got[name]!r}, expected about {value!r}")
    return out


def parse_start(text: str) -> date | datetime:
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)


def series_mismatches(got: list[dict], want: list[dict], interval: str, what: str) -> list[str]:
    if not isinstance(got, list):
        return [f"{what}: series is {got!r}"]
    if len(got) != len(want):
        starts = [p.get("start") for p in got]
        return [f"{what}: {len(got)} points, expected {len(want)}; starts {starts}"]
    out = []
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        label = f"{what} point {i} ({w['start']})"
        start = g.get("start")
        try:
            parsed = parse_start(start)
        except (TypeError, ValueError):
            out.append(f"{label}: start {start!r}")
            continue
        expected = w["start"]
        if isinstance(expected, datetime):
            if not isinstance(parsed, datetime):
                ok = False
            elif parsed.tzinfo is None:
                ok = parsed == expected.replace(tzinfo=None)
            else:
                # In UTC: an aware time in a repeated hour never equals one of another zone.
                ok = parsed.astimezone(UTC) == expected.astimezone(UTC)
                ok = ok and parsed.utcoffset() == expected.utcoffset()
        else:
            ok = parsed == expected
            if interval == "day" and g.get("date") != expected.isoformat():
                out.append(f"{label}: date {g.get('date')!r}")
        if not ok:
            out.append(f"{label}: start {start!r}, expected {expected.isoformat()}")
        counts = {"pageviews": w["pageviews"], "visitors": w["visitors"]}
        if "visits" in g:
            counts["visits"] = w["visits"]
        out += mismatches(g, counts, label)
    return out


def overview_mismatches(body: dict, want: dict, interval: str, what: str = "overview") -> list[str]:
    out = mismatches(
        body,
        {k: want[k] for k in ("pageviews", "visitors", "visits", "bounce_rate", "avg_visit_s")},
        what,
    )
    events = body.get("events")
    if not isinstance(events, dict) or {k: v for k, v in events.items() if v} != want["events"]:
        out.append(f"{what}: events {events!r}, expected {want['events']!r}")
    out += series_mismatches(body.get("series"), want["series"], interval, what)
    return out


def compare_dates(body: dict) -> tuple[Any, Any]:
    """compare_from and compare_to, at the top of the answer or inside `compare`."""
    inner = body.get("compare") if isinstance(body.get("compare"), dict) else {}
    return (
        body.get("compare_from", inner.get("compare_from")),
        body.get("compare_to", inner.get("compare_to")),
    )


def sort_problems(rows: list[dict]) -> list[str]:
    """Rows must be in (visitors desc, pageviews desc, events desc, key) order."""
    out = []
    for a, b in itertools.pairwise(rows):
        ka = (-a.get("visitors", 0), -a.get("pageviews", 0), -a.get("events", 0))
        kb = (-b.get("visitors", 0), -b.get("pageviews", 0), -b.get("events", 0))
        if ka > kb:
            out.append(f"rows out of order: {a} before {b}")
        elif ka == kb and a["key"] is not None and b["key"] is not None and a["key"] > b["key"]:
            out.append(f"tied rows not in key order: {a['key']!r} before {b['key']!r}")
    return out


def zero_row(key: Any, visit_dim: bool) -> dict[str, Any]:
    row = {"key": key, "visitors": 0, "pageviews": 0, "events": 0}
    if visit_dim:
        row.update(visits=0, bounce_rate=None, avg_visit_s=None)
    return row


def breakdown_mismatches(rows: Any, want: dict[Any, dict], by: str, what: str) -> list[str]:
    if not isinstance(rows, list):
        return [f"{what}: rows {rows!r}"]
    got = {r.get("key"): r for r in rows}
    out = []
    if len(got) != len(rows):
        out.append(f"{what}: repeated keys in {[r.get('key') for r in rows]}")
    if set(got) != set(want):
        out.append(f"{what}: keys {sorted(map(repr, got))}, expected {sorted(map(repr, want))}")
    for key in set(got) & set(want):
        out += mismatches(got[key], want[key], f"{what} key {key!r}")
    return out + [f"{what}: {p}" for p in sort_problems(rows)]


# -- drawing requests ----------------------------------------------------------


def flip_ascii_case(text: str, mask: int) -> str:
    """`text` with the case of some ASCII letters swapped (bit i of mask: letter i)."""
    out = []
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isalpha() and mask >> (i % 30) & 1:
            ch = ch.swapcase()
        out.append(ch)
    return "".join(out)


def draw_filter(draw, st, values: dict[str, list[str]]) -> Filter:
    """One filter: a dimension, an operator and a value of the data (mostly), (none),
    a substring of a value (its ASCII letters' case changed now and then), or one
    that matches nothing."""
    dim = draw(st.sampled_from(DIMS))
    op = draw(st.sampled_from(OPS))
    pool = values.get(dim) or []
    kind = draw(st.sampled_from(("value", "value", "value", "part", "none", "nothing")))
    if kind == "none" and op in ("==", "!="):
        return Filter(dim, op, NONE)
    if not pool or kind == "nothing":
        return Filter(dim, op, "zz-nothing")
    value = draw(st.sampled_from(pool))
    if kind == "part" or op in ("~", "!~"):
        start = draw(st.integers(0, len(value) - 1))
        end = draw(st.integers(start + 1, len(value)))
        # Never a space at either end: whether one is part of the value is not the question.
        value = value[start:end].strip() or value.strip() or value
        value = flip_ascii_case(value, draw(st.integers(0, 2**30 - 1)))
    return Filter(dim, op, value)


def draw_filters(draw, st, values: dict[str, list[str]], most: int = 3) -> tuple[Filter, ...]:
    return tuple(draw_filter(draw, st, values) for _ in range(draw(st.integers(0, most))))


def draw_range(draw, st, plan, most_days: int = 10) -> tuple[date, date]:
    """From and to within the site's data: usually its main days (now and then a
    day past either end), sometimes its other days (DST, one year earlier)."""
    from datetime import timedelta

    from tests.support.analytics_data import data_days

    days = data_days(plan)
    if plan.extra_days and draw(st.integers(0, 4)) == 0:
        days = sorted(plan.extra_days)
    first = draw(st.sampled_from(days))
    length = draw(st.sampled_from(sorted({1, 2, 3, most_days // 2, most_days})))
    last = min(first + timedelta(days=length - 1), days[-1])
    while last > first and (last - first).days + 1 > most_days:
        last -= timedelta(days=1)
    if draw(st.integers(0, 9)) == 0:
        first -= timedelta(days=1)
    if draw(st.integers(0, 9)) == 0 and (last - first).days + 1 < most_days:
        last += timedelta(days=1)
    return first, last


def describe(path: str, pairs: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return f"GET {path}?{urlencode(pairs)}"
