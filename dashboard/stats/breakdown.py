"""GET /api/stats/breakdown: rows per key of one dimension, optionally compared.

Unfiltered `page`, `host`, `event` and `media` rows come from the rollup:
the range's made months (rollup_month_keys) and its other days
(rollup_day_keys); every other question from the selection
(dashboard/stats/analytics.py).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from collector.db.queries import load
from collector.rollup import month_keys
from dashboard.stats import analytics
from dashboard.stats.selection import Selection

SQL = load(__name__)

# Dimensions whose unfiltered rows the rollup holds with the same definition;
# for `event` and `media` its pageviews column counts their events.
FROM_ROLLUP = ("page", "host", "event", "media")
COUNTS_EVENTS = ("event", "media")


async def breakdown(
    conn: asyncpg.Connection, s: Selection, by: str, limit: int, compare: Selection | None = None
) -> dict[str, Any]:
    rows = await _rows(conn, s, by, limit, None)
    out: dict[str, Any] = {"rows": rows}
    if compare is not None:
        keys = [r["key"] or "" for r in rows]
        found = {r["key"]: r for r in await _rows(conn, compare, by, max(len(keys), 1), keys)}
        zero = {k: (None if k in ("bounce_rate", "avg_visit_s") else 0) for k in (rows or [{}])[0]}
        out["compare"] = {
            "rows": [found.get(r["key"]) or {**zero, "key": r["key"]} for r in rows],
        }
        out["compare_from"], out["compare_to"] = compare.first.isoformat(), compare.last.isoformat()
    return out


async def _rows(
    conn: asyncpg.Connection, s: Selection, by: str, limit: int, keys: list[str] | None
) -> list[dict[str, Any]]:
    if s.filters or by not in FROM_ROLLUP:
        return await analytics.rows(conn, s, by, limit, keys)
    months, spans = await month_keys.month_spans(conn, s.site_id, s.first, s.last)
    firsts, lasts = [a for a, _ in spans], [b for _, b in spans]
    found = await conn.fetch(SQL.breakdown, s.site_id, by, months, firsts, limit, keys, lasts)
    # '' in the table means unknown: null in JSON.
    return [
        {
            "key": r["key"] or None,
            "visitors": r["visitors"],
            "pageviews": 0 if by in COUNTS_EVENTS else r["pageviews"],
            "events": r["pageviews"],
        }
        for r in found
    ]
