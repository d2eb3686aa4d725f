"""Parameter checking for the stats API and export: every name and value
against an allow-list, before anything is looked up.

A bad request ends as BadRequest with one sentence that names the parameter
and says what is allowed; the handler answers it as 400 `{"error": ...}`.

Every value first passes `text`: no NUL (PostgreSQL refuses it in text and
the query would fail), no other control character or lone surrogate (no
parameter has a use for them, and they make log lines and messages lie), at
most MAX_TEXT characters. `text` is also for other form and JSON fields
(the login form, the admin API). Days are limited to MIN_DAY..MAX_DAY: every
time zone can represent their bounds, a day after and a year before
included (comparison), so no date arithmetic downstream overflows (year 1
and 9999 in Europe/Amsterdam did: issue 14).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from collector.model.text import UNPRINTABLE
from collector.model.vocabulary import STATS_DIMENSIONS

DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 400
MIN_DAY = date(1970, 1, 1)
MAX_DAY = date(9998, 12, 31)
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
FORMATS = ("csv", "ndjson")
MAX_URL = 2048
MAX_TEXT = 4096

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SITE_KEY = re.compile(r"[a-z0-9]{1,64}")
_LIMIT = re.compile(r"[0-9]{1,9}")
_PAGE_URL = re.compile(r"https?://[^/?#]+(/[^?#]*)?")


class BadRequest(Exception):
    """A parameter is missing or not allowed; the message says which and why."""


@dataclass(frozen=True)
class Span:
    """Inclusive days in the site's time zone; None where the request left them out."""

    first: date | None
    last: date | None

    def resolve(self, today: date) -> tuple[date, date]:
        """The days asked for, defaulting to the DEFAULT_DAYS days up to today."""
        last = self.last or today
        first = self.first or max(last - timedelta(days=DEFAULT_DAYS - 1), MIN_DAY)
        if first > last:
            raise BadRequest("Parameter 'from' must not be after 'to'.")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise BadRequest(f"Parameters 'from' and 'to' may span at most {MAX_RANGE_DAYS} days.")
        return first, last


def text(value: str, name: str, *, max_length: int = MAX_TEXT) -> str:
    """`value`, unless it holds a NUL, another control character or a lone
    surrogate, or is longer than `max_length`: then BadRequest naming `name`."""
    if len(value) > max_length:
        raise BadRequest(f"Parameter {name!r} must be at most {max_length} characters.")
    if UNPRINTABLE.search(value):
        raise BadRequest(f"Parameter {name!r} must not contain NUL or other control characters.")
    return value


# The parameters a request may repeat (filters, funnel steps).
REPEATABLE = frozenset(("filter", "step"))


def check_names(query: Mapping[str, str], allowed: Iterable[str]) -> None:
    """Every parameter is one of `allowed`, given once (but for REPEATABLE ones),
    and its value passes `text`."""
    allowed = tuple(allowed)
    seen: set[str] = set()
    items = query.items()  # of a MultiDict: every pair, a repeated name as often as sent
    for name, _ in items:
        if name not in allowed:
            raise BadRequest(
                f"Unknown parameter {name[:64]!r}; allowed here: {', '.join(allowed)}."
            )
        if name in seen and name not in REPEATABLE:
            raise BadRequest(f"Parameter {name!r} may be given only once.")
        seen.add(name)
    for name, value in items:
        text(value, name)


def site_key(query: Mapping[str, str]) -> str:
    key = query.get("site")
    if not key:
        raise BadRequest("Parameter 'site' (the site key) is required.")
    if not _SITE_KEY.fullmatch(key):
        raise BadRequest("Parameter 'site' must be a site key (lowercase letters and digits).")
    return key


def day(query: Mapping[str, str], name: str) -> date | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not _DATE.fullmatch(raw):
        raise BadRequest(f"Parameter {name!r} must be a date as YYYY-MM-DD, not {raw[:40]!r}.")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"Parameter {name!r} is not a real date: {raw!r}.") from None
    if not MIN_DAY <= value <= MAX_DAY:
        raise BadRequest(f"Parameter {name!r} must be a day from {MIN_DAY} to {MAX_DAY}.")
    return value


def span(query: Mapping[str, str]) -> Span:
    result = Span(day(query, "from"), day(query, "to"))
    if result.first and result.last and result.first > result.last:
        raise BadRequest("Parameter 'from' must not be after 'to'.")
    return result


def limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    # Not str.isdigit: it takes '²', which int() refuses.
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"Parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def dimension(query: Mapping[str, str]) -> str:
    return choice(query, "by", STATS_DIMENSIONS, required=True)


def interval(query: Mapping[str, str], one_day: bool) -> str:
    """`interval` of the overview series; hours for a single day, else days."""
    return choice(
        query, "interval", ("hour", "day", "week", "month"), default="hour" if one_day else "day"
    )


def compare(query: Mapping[str, str]) -> str | None:
    if not query.get("compare"):
        return None
    return choice(query, "compare", ("previous", "year"))


def export_format(query: Mapping[str, str]) -> str:
    return choice(query, "format", FORMATS, default="csv")


def choice(
    query: Mapping[str, str],
    name: str,
    allowed: tuple[str, ...],
    *,
    required: bool = False,
    default: str | None = None,
) -> str:
    raw = query.get(name)
    if not raw:
        if required:
            raise BadRequest(f"Parameter {name!r} is required: one of {', '.join(allowed)}.")
        return default or allowed[0]
    if raw not in allowed:
        raise BadRequest(f"Parameter {name!r} must be one of {', '.join(allowed)}.")
    return raw


def page_path(query: Mapping[str, str]) -> str | None:
    """The page of a heatmap: a path ('/tour') or a full URL whose path is used."""
    raw = query.get("url")
    if raw is None or raw == "":
        return None
    if len(raw) > MAX_URL:
        raise BadRequest(f"Parameter 'url' must be at most {MAX_URL} characters.")
    if raw.startswith("/"):
        return raw.split("?", 1)[0].split("#", 1)[0]
    match = _PAGE_URL.match(raw)
    if not match:
        raise BadRequest("Parameter 'url' must be a page path such as /tour or an http(s) URL.")
    return match[1] or "/"
