"""Query-string checking for the stats API: every name and value against an allow-list.

A bad request ends as BadRequest with one sentence that says what is allowed;
the handler answers it as 400 `{"error": ...}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from collector.model.vocabulary import DIMENSIONS

DEFAULT_DAYS = 30
MAX_RANGE_DAYS = 3660
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
FORMATS = ("csv", "ndjson")
MAX_URL = 2048

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SITE_KEY = re.compile(r"^[a-z0-9]{1,64}$")


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
        first = self.first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise BadRequest("'from' must not be after 'to'.")
        if (last - first).days >= MAX_RANGE_DAYS:
            raise BadRequest(f"A range may span at most {MAX_RANGE_DAYS} days.")
        return first, last


def check_names(query: Mapping[str, str], allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    for name in query:
        if name not in allowed:
            raise BadRequest(f"Unknown parameter {name!r}; allowed here: {', '.join(allowed)}.")
    if len(query) != len(set(query)):
        raise BadRequest("Each parameter may be given only once.")


def site_key(query: Mapping[str, str]) -> str:
    key = query.get("site")
    if not key:
        raise BadRequest("Parameter 'site' (the site key) is required.")
    if not _SITE_KEY.match(key):
        raise BadRequest("Parameter 'site' must be a site key (lowercase letters and digits).")
    return key


def day(query: Mapping[str, str], name: str) -> date | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if not _DATE.match(raw):
        raise BadRequest(f"Parameter {name!r} must be a date as YYYY-MM-DD, not {raw!r:.40}.")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"Parameter {name!r} is not a real date: {raw!r}.") from None


def span(query: Mapping[str, str]) -> Span:
    result = Span(day(query, "from"), day(query, "to"))
    if result.first and result.last and result.first > result.last:
        raise BadRequest("'from' must not be after 'to'.")
    return result


def limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"Parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def dimension(query: Mapping[str, str]) -> str:
    return choice(query, "by", DIMENSIONS, required=True)


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
    match = re.match(r"^https?://[^/?#]+(/[^?#]*)?", raw)
    if not match:
        raise BadRequest("Parameter 'url' must be a page path such as /tour or an http(s) URL.")
    return match[1] or "/"
