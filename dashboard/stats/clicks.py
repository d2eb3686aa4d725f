"""GET /api/stats/clicks: heatmap cells of a page and clicks per element."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from collector.db.queries import load

SQL = load(__name__)

MAX_POINTS = 10_000
MAX_ELEMENTS = 100


async def clicks(
    conn: asyncpg.Connection, site_id: int, first: date, last: date, path: str | None
) -> dict[str, Any]:
    """`path` None: every page of the site together."""
    points = await conn.fetch(SQL["clicks.points"], site_id, first, last, path, MAX_POINTS)
    elements = await conn.fetch(SQL["clicks.elements"], site_id, first, last, path, MAX_ELEMENTS)
    return {
        # x: left edge of a 1 %-wide cell, as a fraction of the width; y: top of a 10 px cell.
        "points": [{"x": p["x"] / 100, "y": p["y"], "n": p["n"]} for p in points],
        "elements": [{"el": e["el"], "clicks": e["n"]} for e in elements],
    }
