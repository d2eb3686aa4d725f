"""GET /api/stats/realtime: the newest raw events, read directly (not yet rolled up)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from collector.db.queries import load
from collector.model.vocabulary import EVENT_TYPES

SQL = load(__name__)

VISITORS_WINDOW = timedelta(minutes=5)
PAGEVIEWS_WINDOW = timedelta(minutes=30)
TOP_PAGES = 10


async def realtime(conn: asyncpg.Connection, site_id: int) -> dict[str, Any]:
    totals = await conn.fetchrow(
        SQL["realtime.totals"],
        site_id,
        VISITORS_WINDOW,
        PAGEVIEWS_WINDOW,
        EVENT_TYPES["pageview"],
    )
    pages = await conn.fetch(
        SQL["realtime.pages"],
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
