"""Overview and breakdowns answered from the selection (visits and raw
events) instead of the daily rollups: with filters, hourly, weekly or
monthly series, and for the dimensions the rollups do not hold.

Definitions: README, "Filters, visits and the reports' definitions". The
rollups still answer the unfiltered daily overview and the unfiltered
breakdowns of `page` (dashboard/stats/overview.py, breakdown.py).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from collector.db.queries import load
from collector.model.vocabulary import EVENT_NAMES, EVENT_TYPES, MEDIA_TYPES, VISIT_DIMENSIONS
from collector.rollup.days import day_bounds
from dashboard.stats import ratio
from dashboard.stats.selection import Selection, made_split, planned_with_parameters

SQL = load(__name__)

PAGEVIEW = EVENT_TYPES["pageview"]
# The events each event dimension's rows count.
COUNTED_TYPES: dict[str, list[int]] = {
    "page": [PAGEVIEW],
    "host": [PAGEVIEW],
    "event": [EVENT_TYPES["custom"]],
    "media": sorted(EVENT_TYPES[t] for t in MEDIA_TYPES),
}


async def totals(conn: asyncpg.Connection, s: Selection) -> dict[str, Any]:
    async with planned_with_parameters(conn):
        if s.filters.event:
            rows = await conn.fetch(SQL.totals, *s.args())
            types = {EVENT_NAMES.get(r["type"], str(r["type"])): r["n"] for r in rows if r["type"]}
        else:  # whole visits: their counters
            rows = [await conn.fetchrow(SQL.totals_visits, *visit_args(s))]
            types = {name: rows[0][name] for name in EVENT_TYPES if rows[0][name]}
    first = rows[0]
    return {
        "pageviews": types.get("pageview", 0),
        "visitors": first["visitors"],
        "visits": first["visits"],
        "bounce_rate": ratio(first["bounces"], first["visits"]),
        "avg_visit_s": ratio(first["visit_us"] / 1e6, first["visits"], 1),
        "events": types,
    }


async def series(conn: asyncpg.Connection, s: Selection, interval: str) -> list[dict[str, Any]]:
    """One point per bucket of the range, zeros where nothing was recorded."""
    async with planned_with_parameters(conn):
        if interval == "hour" or s.filters.event:
            rows = await conn.fetch(SQL.series, *s.args(), interval)
            key = "hour" if interval == "hour" else "day"
        else:
            rows = await conn.fetch(SQL.series_visits, *visit_args(s), interval)
            key = "bucket"
    found = {r[key]: r for r in rows}
    out = []
    for start, label in buckets(s, interval):
        row = found.get(start)
        point = {"start": label}
        if interval == "day":
            point["date"] = label
        point |= {
            "pageviews": row["pageviews"] if row else 0,
            "visitors": row["visitors"] if row else 0,
            "visits": row["visits"] if row else 0,
        }
        out.append(point)
    return out


def visit_args(s: Selection) -> tuple[Any, ...]:
    """The parameters of peil_filtered_visits: site, days, visit filters."""
    args = s.args()
    return (*args[:3], *args[4:7])


def buckets(s: Selection, interval: str) -> list[tuple[Any, str]]:
    """(bucket key as the query gives it, `start` label) for every bucket."""
    if interval == "hour":
        zone = ZoneInfo(s.timezone)
        start = day_bounds(s.first, s.timezone)[0]
        end = day_bounds(s.last, s.timezone)[1]
        out = []
        while start < end:
            local = start.astimezone(zone)
            out.append((start, local.isoformat(timespec="minutes")))
            start += timedelta(hours=1)
        return out
    days = []
    day = s.first
    while day <= s.last:
        starts = {"day": True, "week": day.isoweekday() == 1, "month": day.day == 1}
        if day == s.first or starts[interval]:
            days.append(day)
        day += timedelta(days=1)
    return [(d, d.isoformat()) for d in days]


async def rows(
    conn: asyncpg.Connection, s: Selection, by: str, limit: int, keys: list[str] | None = None
) -> list[dict[str, Any]]:
    """Breakdown rows of `by` (only `keys`, '' for unknown, when given)."""
    async with planned_with_parameters(conn):
        if by in VISIT_DIMENSIONS and not s.filters:
            # The made days from rollup_day_visit_keys (collector/rollup/visit_keys.py).
            made, live = await made_split(conn, SQL.made_days, s)
            found = await conn.fetch(
                SQL.visit_rows_rolled, s.site_id, made, live.first, live.last, by, limit, keys
            )
        elif by in VISIT_DIMENSIONS:
            found = await conn.fetch(SQL.visit_rows, *s.args(), by, limit, PAGEVIEW, keys)
        else:
            found = await conn.fetch(SQL.event_rows, *s.args(), by, limit, COUNTED_TYPES[by], keys)
    return [row_json(r, by in VISIT_DIMENSIONS) for r in found]


def row_json(r: asyncpg.Record, visit: bool) -> dict[str, Any]:
    # '' means unknown (no referrer, no GeoIP match...): null in JSON.
    out = {
        "key": r["key"] or None,
        "visitors": r["visitors"],
        "pageviews": r["pageviews"],
        "events": r["events"],
    }
    if visit:
        out |= {
            "visits": r["visits"],
            "bounce_rate": ratio(r["bounces"], r["visits"]),
            "avg_visit_s": ratio(r["visit_us"] / 1e6, r["visits"], 1),
        }
    return out
