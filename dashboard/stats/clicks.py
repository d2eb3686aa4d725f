"""GET /api/stats/clicks: heatmap cells of a page and clicks per element."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

MAX_POINTS = 10_000
MAX_ELEMENTS = 100


async def clicks(
    conn: asyncpg.Connection, site_id: int, first: date, last: date, path: str | None
) -> dict[str, Any]:
    """`path` None: every page of the site together."""
    where = "site_id = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR path = $4)"
    points = await conn.fetch(
        f"""SELECT x, y, sum(clicks)::bigint AS n FROM rollup_day_clicks WHERE {where}
            GROUP BY x, y ORDER BY n DESC, y, x LIMIT $5""",
        site_id,
        first,
        last,
        path,
        MAX_POINTS,
    )
    elements = await conn.fetch(
        f"""SELECT el, sum(clicks)::bigint AS n FROM rollup_day_click_elements WHERE {where}
            GROUP BY el ORDER BY n DESC, el LIMIT $5""",
        site_id,
        first,
        last,
        path,
        MAX_ELEMENTS,
    )
    return {
        # x: left edge of a 1 %-wide cell, as a fraction of the width; y: top of a 10 px cell.
        "points": [{"x": p["x"] / 100, "y": p["y"], "n": p["n"]} for p in points],
        "elements": [{"el": e["el"], "clicks": e["n"]} for e in elements],
    }
