"""GET /api/stats/breakdown: visitors and pageviews per page, referrer, country..."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg


async def breakdown(
    conn: asyncpg.Connection, site_id: int, first: date, last: date, by: str, limit: int
) -> dict[str, Any]:
    rows = await conn.fetch(
        """SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews
           FROM rollup_day_keys
           WHERE site_id = $1 AND dim = $2 AND day BETWEEN $3 AND $4
           GROUP BY key ORDER BY visitors DESC, pageviews DESC, key LIMIT $5""",
        site_id,
        by,
        first,
        last,
        limit,
    )
    # '' in the table means unknown (no referrer, no GeoIP match): null in JSON.
    return {
        "rows": [
            {"key": r["key"] or None, "visitors": r["visitors"], "pageviews": r["pageviews"]}
            for r in rows
        ]
    }
