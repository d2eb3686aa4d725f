"""GET /api/stats/breakdown: visitors and pageviews per page, referrer, country..."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from collector.db.queries import load

SQL = load(__name__)


async def breakdown(
    conn: asyncpg.Connection, site_id: int, first: date, last: date, by: str, limit: int
) -> dict[str, Any]:
    rows = await conn.fetch(SQL.breakdown, site_id, by, first, last, limit)
    # '' in the table means unknown (no referrer, no GeoIP match): null in JSON.
    return {
        "rows": [
            {"key": r["key"] or None, "visitors": r["visitors"], "pageviews": r["pageviews"]}
            for r in rows
        ]
    }
