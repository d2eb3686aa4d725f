"""GET /api/stats/overview: totals, events per type and a series per day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg

from collector.db.queries import load
from collector.model.vocabulary import EVENT_NAMES
from dashboard.stats import ratio

SQL = load(__name__)


async def overview(
    conn: asyncpg.Connection, site_id: int, first: date, last: date
) -> dict[str, Any]:
    days = await conn.fetch(SQL["overview.days"], site_id, first, last)
    types = await conn.fetch(SQL["overview.types"], site_id, first, last)
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
        "series": series(days, first, last),
    }


def series(days: list[asyncpg.Record], first: date, last: date) -> list[dict[str, Any]]:
    """One entry per day of the range, zeros where nothing was recorded."""
    by_day = {d["day"]: d for d in days}
    out = []
    day = first
    while day <= last:
        row = by_day.get(day)
        out.append(
            {
                "date": day.isoformat(),
                "pageviews": row["pageviews"] if row else 0,
                "visitors": row["visitors"] if row else 0,
            }
        )
        day += timedelta(days=1)
    return out
