"""GET /api/stats/media: loads, plays, watch time, completion and the drop-off curve."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from collector.rollup.media_plays import RETENTION_POINTS
from dashboard.stats import ratio

MAX_MEDIA = 500


async def media(conn: asyncpg.Connection, site_id: int, first: date, last: date) -> dict[str, Any]:
    rows = await conn.fetch(
        """WITH m AS (
               SELECT * FROM rollup_day_media WHERE site_id = $1 AND day BETWEEN $2 AND $3
           ), curve AS (
               SELECT el, src, array_agg(n ORDER BY i) AS coverage FROM (
                   SELECT el, src, c.i, sum(c.n)::bigint AS n
                   FROM m CROSS JOIN LATERAL unnest(m.coverage) WITH ORDINALITY AS c (n, i)
                   GROUP BY el, src, c.i) points
               GROUP BY el, src
           )
           SELECT m.el, m.src, sum(loads)::bigint AS loads, sum(plays)::bigint AS plays,
                  sum(viewers)::bigint AS viewers, sum(watch_seconds) AS watch_seconds,
                  sum(completions)::bigint AS completions, sum(seeks)::bigint AS seeks,
                  sum(rewinds)::bigint AS rewinds, sum(errors)::bigint AS errors,
                  sum(timed_plays)::bigint AS timed_plays, curve.coverage
           FROM m JOIN curve ON curve.el = m.el AND curve.src = m.src
           GROUP BY m.el, m.src, curve.coverage
           ORDER BY plays DESC, loads DESC, m.el, m.src LIMIT $4""",
        site_id,
        first,
        last,
        MAX_MEDIA,
    )
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
