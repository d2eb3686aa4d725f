"""GET /api/stats/overview: totals, events per type and a series, optionally compared.

The unfiltered daily overview comes from the rollups (rollup_days,
rollup_day_types); with filters or another interval, from the selection
(dashboard/stats/analytics.py). Both follow the README's definitions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from collector.db.queries import load
from collector.model.vocabulary import EVENT_NAMES
from dashboard.stats import analytics, ratio
from dashboard.stats.selection import Selection

SQL = load(__name__)


async def overview(
    conn: asyncpg.Connection, s: Selection, interval: str, compare: Selection | None = None
) -> dict[str, Any]:
    out = await period(conn, s, interval)
    if compare is not None:
        out["compare"] = await period(conn, compare, interval)
        out["compare_from"], out["compare_to"] = compare.first.isoformat(), compare.last.isoformat()
    return out


async def period(conn: asyncpg.Connection, s: Selection, interval: str) -> dict[str, Any]:
    if s.filters or interval == "hour":
        out = await analytics.totals(conn, s)
        out["series"] = await analytics.series(conn, s, interval)
        return out
    return await from_rollups(conn, s, interval)


async def from_rollups(conn: asyncpg.Connection, s: Selection, interval: str) -> dict[str, Any]:
    days = await conn.fetch(SQL["overview.days"], s.site_id, s.first, s.last)
    types = await conn.fetch(SQL["overview.types"], s.site_id, s.first, s.last)
    visits = sum(d["visits"] for d in days)
    return {
        "pageviews": sum(d["pageviews"] for d in days),
        # Visitor hashes change every UTC day: a range's visitors is the sum of
        # its days' distinct visitors (README, "visitors").
        "visitors": sum(d["visitors"] for d in days),
        "visits": visits,
        "bounce_rate": ratio(sum(d["bounces"] for d in days), visits),
        "avg_visit_s": ratio(sum(d["visit_seconds"] for d in days), visits, 1),
        "events": {EVENT_NAMES.get(t["type"], str(t["type"])): t["n"] for t in types},
        "series": series(days, s, interval),
    }


def series(days: list[asyncpg.Record], s: Selection, interval: str) -> list[dict[str, Any]]:
    """One entry per day, week or month of the range, zeros where nothing was
    recorded; a bucket's visitors are its days' visitors, summed."""
    by_day = {d["day"]: d for d in days}
    starts = {label for _, label in analytics.buckets(s, interval)}
    out: dict[str, dict[str, Any]] = {}
    day, bucket = s.first, None
    while day <= s.last:
        if day.isoformat() in starts:
            bucket = out.setdefault(day.isoformat(), {"start": day.isoformat()})
            if interval == "day":
                bucket["date"] = day.isoformat()
            bucket.update(pageviews=0, visitors=0, visits=0)
        row = by_day.get(day)
        if row:
            for name in ("pageviews", "visitors", "visits"):
                bucket[name] += row[name]
        day += timedelta(days=1)
    return list(out.values())
