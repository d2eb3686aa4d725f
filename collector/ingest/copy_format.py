"""Rows for PostgreSQL's COPY in text format, built as strings in the handler.

Why text and not asyncpg's binary records: most columns of an event row are
facts about the request (site, visitor, browser, page, location...) that all
of its events share. In text format that part of the line is escaped and
joined once per request and reused for each of its up to 200 events, so the
per-event cost is only the event's own few fields. The writer then sends the
joined lines as one COPY. (benchmarks/RESULTS.md has the measurement.)

Text format rules: columns separated by tab, rows by newline, NULL is \\N,
and backslash, tab, newline and carriage return inside values are escaped.
"""

from __future__ import annotations

import time

# Order of the fields in every line: first the event's own, then the request's.
EVENT_COLUMNS = (
    "ts",
    "seq",
    "type",
    "client_id",
    "el",
    "src",
    "pos",
    "from_pos",
    "to_pos",
    "dur",
    "x",
    "y",
    "depth",
    "eng",
    "name",
    "props",
)
REQUEST_COLUMNS = (
    "site_id",
    "visitor",
    "screen_w",
    "screen_h",
    "browser_version",
    "device",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "lang",
    "host",
    "path",
    "query",
    "referrer",
    "origin",
    "player_version",
    "uid",
    "sid",
    "ip",
)
COLUMNS = EVENT_COLUMNS + REQUEST_COLUMNS
NULL = "\\N"

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value: str | None) -> str:
    """A text value, escaped for COPY."""
    if value is None:
        return NULL
    # str.translate walks every character through a dict; most values need
    # no escaping at all, and four substring tests run at C speed.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


def number(value: float | int | None) -> str:
    return NULL if value is None else repr(value)


def encode_fields(values: tuple) -> str:
    """Tab-joined fields of mixed values (str escaped, numbers as literals, None as NULL)."""
    return "\t".join(
        NULL if v is None else v.translate(_ESCAPES) if isinstance(v, str) else str(v)
        for v in values
    )


_second_cache: dict[int, str] = {}


def timestamp(epoch_us: int) -> str:
    """'2026-11-22 02:13:26.123456+00' for a UTC time in microseconds since 1970.

    The date-and-second part is formatted once per second (time.strftime is
    the expensive bit); the cache is cleared when it grows.
    """
    seconds, micros = divmod(epoch_us, 1_000_000)
    prefix = _second_cache.get(seconds)
    if prefix is None:
        if len(_second_cache) > 4096:
            _second_cache.clear()
        prefix = _second_cache[seconds] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))
    return f"{prefix}.{micros:06d}+00"


def line_day(line: str) -> str:
    """The UTC date ('2026-11-22') of an encoded line, for creating partitions."""
    return line[:10]
