"""GET /api/stats/clicks, unfiltered: heatmap cells of a page, or of every
page together, and clicks per element (the filtered answer is
dashboard/stats/reports.py's, from the selected events).

One page reads its rows of the daily rollup. Every page together reads the
site-wide rows made once a day is over (collector/rollup/day_reports.py) and
the per-page rows of the days not made yet (today), summed.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from collector.db.queries import load
from collector.rollup import day_reports
from dashboard.stats.selection import Selection, made_split

SQL = load(__name__)


async def clicks(
    conn: asyncpg.Connection, s: Selection, path: str | None, points: int, elements: int
) -> dict[str, Any]:
    """`path` None: every page of the site together."""
    if path is None:
        made, live = await made_split(conn, day_reports.MADE_DAYS, s)
        span = (s.site_id, live.first, live.last, made)
        cells = await conn.fetch(SQL.site_points, *span, points)
        els = await conn.fetch(SQL.site_elements, *span, elements)
    else:
        cells = await conn.fetch(SQL.page_points, s.site_id, s.first, s.last, path, points)
        els = await conn.fetch(SQL.page_elements, s.site_id, s.first, s.last, path, elements)
    return cells_and_elements(cells, els)


def cells_and_elements(cells: list, els: list) -> dict[str, Any]:
    """The answer's shape, filtered or not."""
    return {
        # x: left edge of a 1 %-wide cell, as a fraction of the width; y: top of a 10 px cell.
        "points": [{"x": p["x"] / 100, "y": p["y"], "n": p["n"]} for p in cells],
        "elements": [{"el": e["el"], "clicks": e["n"]} for e in els],
    }
