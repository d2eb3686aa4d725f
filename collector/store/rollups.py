"""Folding one site-local day of raw events into the rollup tables.

A day is always recomputed whole: its rows in every rollup table are deleted
and rebuilt from the raw events of [local midnight, next local midnight), in
one REPEATABLE READ transaction, so every table sees the same raw rows and
folding a day twice gives exactly the same aggregates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from collector.ingest.codes import EVENT_TYPES
from collector.store.media_plays import ERROR, MEDIA_CODES, MediaEvent, summarize

ROLLUP_TABLES = (
    "rollup_days",
    "rollup_day_types",
    "rollup_day_keys",
    "rollup_day_media",
    "rollup_day_clicks",
    "rollup_day_click_elements",
)

VISIT_GAP = timedelta(minutes=30)
# Events that make a visit more than a bounce. Passive ones (pageleave,
# hover, elements scrolled into view, errors, a player loading) do not.
INTERACTIONS = [EVENT_TYPES[t] for t in ("click", "custom", "play", "pause", "seek", "rewind")]
INTERACTIONS.append(EVENT_TYPES["ended"])
PAGEVIEW = EVENT_TYPES["pageview"]
CLICK = EVENT_TYPES["click"]

# rollup_day_media columns after the key, named as the MediaDay fields.
MEDIA_COLUMNS = (
    "loads",
    "plays",
    "viewers",
    "watch_seconds",
    "completions",
    "seeks",
    "rewinds",
    "errors",
    "timed_plays",
    "coverage",
)

# Breakdown dimensions: name -> SQL expression over `events` giving the key
# ('' = unknown). Identifiers only, from this constant.
DIMENSIONS: dict[str, str] = {
    "page": "coalesce(path, '')",
    "referrer": "coalesce(referrer, '')",
    "country": "coalesce(country, '')",
    "region": "coalesce(region, '')",
    "city": "coalesce(city, '')",
    "browser": "coalesce(browser, '')",
    "os": "coalesce(os, '')",
    "device": "CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile'"
    " WHEN 3 THEN 'tablet' ELSE '' END",
    "screen": "CASE WHEN screen_w IS NULL OR screen_h IS NULL THEN ''"
    " ELSE screen_w || 'x' || screen_h END",
    "language": "coalesce(lang, '')",
}


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC instant at which `day` begins in `timezone`."""
    return datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    return local_midnight(day, timezone), local_midnight(day + timedelta(days=1), timezone)


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


async def fold_day(conn: asyncpg.Connection, site_id: int, timezone: str, day: date) -> int:
    """Recompute `day` of the site from raw events; the number of raw events folded.

    A day without raw events is left alone: its raw events may have been
    purged while its aggregates are still kept.
    """
    lo, hi = day_bounds(day, timezone)
    async with conn.transaction(isolation="repeatable_read"):
        raw = await conn.fetchval(
            "SELECT count(*) FROM events WHERE site_id = $1 AND ts >= $2 AND ts < $3",
            site_id,
            lo,
            hi,
        )
        if raw == 0:
            return 0
        for table in ROLLUP_TABLES:
            await conn.execute(f"DELETE FROM {table} WHERE site_id = $1 AND day = $2", site_id, day)
        span = (site_id, day, lo, hi)
        await _fold_visits(conn, *span, timezone)
        await _fold_types(conn, *span)
        await _fold_keys(conn, *span)
        await _fold_clicks(conn, *span)
        await _fold_media(conn, *span)
    return raw


async def _fold_visits(
    conn: asyncpg.Connection, site_id: int, day: date, lo: datetime, hi: datetime, tz: str
) -> None:
    await conn.execute(
        """
        WITH ev AS MATERIALIZED (
            SELECT ts, seq, visitor, type, eng FROM events
            WHERE site_id = $1 AND ts >= $3 AND ts < $4
        ), marked AS (
            SELECT visitor, ts, seq, type, eng,
                   CASE WHEN ts - lag(ts) OVER w < $6 THEN 0 ELSE 1 END AS starts
            FROM ev WINDOW w AS (PARTITION BY visitor ORDER BY ts, seq)
        ), numbered AS (
            SELECT visitor, ts, type, eng,
                   sum(starts) OVER (PARTITION BY visitor ORDER BY ts, seq
                                     ROWS UNBOUNDED PRECEDING) AS visit
            FROM marked
        ), visits AS (
            SELECT count(*) FILTER (WHERE type = $7) AS pageviews,
                   count(*) FILTER (WHERE type = ANY($8::smallint[])) AS interactions,
                   greatest(extract(epoch FROM max(ts) - min(ts)),
                            coalesce(sum(eng), 0) / 1000.0) AS seconds
            FROM numbered GROUP BY visitor, visit
        )
        INSERT INTO rollup_days (site_id, day, timezone, events, pageviews, visitors,
                                 visits, bounces, visit_seconds)
        SELECT $1, $2, $5,
               (SELECT count(*) FROM ev),
               (SELECT count(*) FROM ev WHERE type = $7),
               (SELECT count(DISTINCT visitor) FROM ev),
               count(*),
               count(*) FILTER (WHERE pageviews = 1 AND interactions = 0),
               coalesce(sum(seconds), 0)
        FROM visits
        """,
        site_id,
        day,
        lo,
        hi,
        tz,
        VISIT_GAP,
        PAGEVIEW,
        INTERACTIONS,
    )


async def _fold_types(
    conn: asyncpg.Connection, site_id: int, day: date, lo: datetime, hi: datetime
) -> None:
    await conn.execute(
        """INSERT INTO rollup_day_types (site_id, day, type, events)
           SELECT $1, $2, type, count(*) FROM events
           WHERE site_id = $1 AND ts >= $3 AND ts < $4 GROUP BY type""",
        site_id,
        day,
        lo,
        hi,
    )


async def _fold_keys(
    conn: asyncpg.Connection, site_id: int, day: date, lo: datetime, hi: datetime
) -> None:
    keys = ", ".join(f"('{name}', {expr})" for name, expr in DIMENSIONS.items())
    await conn.execute(
        f"""INSERT INTO rollup_day_keys (site_id, dim, day, key, visitors, pageviews)
            SELECT $1, d.dim, $2, d.key, count(DISTINCT e.visitor), count(*)
            FROM events e CROSS JOIN LATERAL (VALUES {keys}) AS d (dim, key)
            WHERE e.site_id = $1 AND e.ts >= $3 AND e.ts < $4 AND e.type = $5
            GROUP BY d.dim, d.key""",
        site_id,
        day,
        lo,
        hi,
        PAGEVIEW,
    )


async def _fold_clicks(
    conn: asyncpg.Connection, site_id: int, day: date, lo: datetime, hi: datetime
) -> None:
    span = (site_id, day, lo, hi, CLICK)
    await conn.execute(
        """INSERT INTO rollup_day_clicks (site_id, day, path, x, y, clicks)
           SELECT $1, $2, coalesce(path, ''),
                  least(greatest(floor(x * 100), 0), 100)::smallint,
                  (floor(y / 10.0) * 10)::integer, count(*)
           FROM events
           WHERE site_id = $1 AND ts >= $3 AND ts < $4 AND type = $5
             AND x IS NOT NULL AND y IS NOT NULL
           GROUP BY 3, 4, 5""",
        *span,
    )
    await conn.execute(
        """INSERT INTO rollup_day_click_elements (site_id, day, path, el, clicks)
           SELECT $1, $2, coalesce(path, ''), el, count(*)
           FROM events
           WHERE site_id = $1 AND ts >= $3 AND ts < $4 AND type = $5 AND el IS NOT NULL
           GROUP BY 3, 4""",
        *span,
    )


async def _fold_media(
    conn: asyncpg.Connection, site_id: int, day: date, lo: datetime, hi: datetime
) -> None:
    rows = await conn.fetch(
        """SELECT visitor, el, coalesce(src, '') AS src, type, pos, from_pos, to_pos, dur
           FROM events
           WHERE site_id = $1 AND ts >= $2 AND ts < $3 AND el IS NOT NULL
             AND (type = ANY($4::smallint[]) OR type = $5)
           ORDER BY visitor, el, src, ts, seq""",
        site_id,
        lo,
        hi,
        list(MEDIA_CODES),
        ERROR,
    )
    summary = summarize(MediaEvent(*row) for row in rows)
    records = [
        (site_id, day, el, src, *(getattr(m, name) for name in MEDIA_COLUMNS))
        for (el, src), m in summary.items()
    ]
    await conn.copy_records_to_table(
        "rollup_day_media",
        records=records,
        columns=("site_id", "day", "el", "src", *MEDIA_COLUMNS),
    )
