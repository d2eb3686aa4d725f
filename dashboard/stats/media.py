"""GET /api/stats/media: loads, plays, watch time, completion and the drop-off curve."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from collector.db.queries import load
from collector.rollup.media_plays import RETENTION_POINTS
from dashboard.stats import ratio

SQL = load(__name__)

MAX_MEDIA = 500


async def media(conn: asyncpg.Connection, site_id: int, first: date, last: date) -> dict[str, Any]:
    rows = await conn.fetch(SQL.media, site_id, first, last, MAX_MEDIA)
    return {"media": [summary(r) for r in rows]}


def summary(r: asyncpg.Record) -> dict[str, Any]:
    plays, timed = r["plays"], r["timed_plays"]
    coverage = r["coverage"] or [0] * RETENTION_POINTS
    return {
        "el": r["el"],
        "src": r["src"] or None,
        "loads": r["loads"],
        "plays": plays,
        "play_rate": ratio(plays, r["loads"]),
        "viewers": r["viewers"],
        "watch_time_s": round(r["watch_seconds"], 1),
        "avg_watch_s": ratio(r["watch_seconds"], plays, 1),
        "completion_rate": ratio(r["completions"], plays),
        "seeks": r["seeks"],
        "rewinds": r["rewinds"],
        "errors": r["errors"],
        # Percent of the plays with a known duration (a live stream has none).
        "retention": [round(100 * n / timed, 1) if timed else 0.0 for n in coverage],
    }
