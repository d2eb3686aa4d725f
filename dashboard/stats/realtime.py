"""GET /api/stats/realtime: the newest raw events, read directly (not yet rolled up)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from collector.model.vocabulary import EVENT_TYPES

VISITORS_WINDOW = timedelta(minutes=5)
PAGEVIEWS_WINDOW = timedelta(minutes=30)
TOP_PAGES = 10


async def realtime(conn: asyncpg.Connection, site_id: int) -> dict[str, Any]:
    totals = await conn.fetchrow(
        """SELECT count(DISTINCT visitor) FILTER (WHERE ts >= now() - $2::interval) AS visitors,
                  count(*) FILTER (WHERE type = $4) AS pageviews
           FROM events WHERE site_id = $1 AND ts >= now() - $3::interval""",
        site_id,
        VISITORS_WINDOW,
        PAGEVIEWS_WINDOW,
        EVENT_TYPES["pageview"],
    )
    pages = await conn.fetch(
        """SELECT path, count(*) AS pageviews, count(DISTINCT visitor) AS visitors
           FROM events WHERE site_id = $1 AND ts >= now() - $2::interval AND type = $3
           GROUP BY path ORDER BY pageviews DESC, path LIMIT $4""",
        site_id,
        PAGEVIEWS_WINDOW,
        EVENT_TYPES["pageview"],
        TOP_PAGES,
    )
    return {
        "visitors_5m": totals["visitors"],
        "pageviews_30m": totals["pageviews"],
        "top_pages": [
            {"page": p["path"], "visitors": p["visitors"], "pageviews": p["pageviews"]}
            for p in pages
        ],
    }
