"""Folding raw events into the rollup tables, one batch of rows at a time.

A fold reads the rows in the temp table `rollup_input` (filled by
`load_new_rows`, the rows committed since the previous run, or by
`load_day`, every row of one day) and adds them to the aggregates:

- additive counts (events, pageviews, events per type, breakdown pageviews,
  click cells and elements) are added with `INSERT ... ON CONFLICT DO UPDATE`;
- distinct visitors (per day, and per breakdown key) count the (visitor,
  key) pairs not yet in `rollup_open_seen`;
- visits are merged into `rollup_open_visits` (a visit is an interval whose
  inner gaps are all under 30 minutes) and the day's visits, bounces and
  seconds change by the difference;
- media: the events of each (visitor, el, src) touched are kept (packed)
  in `rollup_open_media`, summarized again with the new ones, and the day's
  media rows change by the difference.

The caller (collector/rollup/job.py) runs a whole fold in one REPEATABLE
READ transaction together with the move of its snapshot cursor, so every row
is folded exactly once. Rebuilding a day = clearing its aggregates and state,
then folding every raw row of the day the same way, so a rebuilt day and an
incrementally folded one hold the same numbers.
"""

from __future__ import annotations

import asyncio
import struct
from collections import defaultdict
from datetime import date, timedelta
from operator import itemgetter

import asyncpg

from collector.model.vocabulary import EVENT_TYPES
from collector.rollup.days import day_bounds
from collector.rollup.media_plays import ERROR, MEDIA_CODES, RETENTION_POINTS, summarize_one

ROLLUP_TABLES = (
    "rollup_days",
    "rollup_day_types",
    "rollup_day_keys",
    "rollup_day_media",
    "rollup_day_clicks",
    "rollup_day_click_elements",
)
# Working state of the open days: per-visitor, never aggregates (0005 migration).
OPEN_STATE_TABLES = ("rollup_open_seen", "rollup_open_visits", "rollup_open_media")

VISIT_GAP = timedelta(minutes=30)
# Events that make a visit more than a bounce. Passive ones (pageleave,
# hover, elements scrolled into view, errors, a player loading) do not.
INTERACTIONS = [EVENT_TYPES[t] for t in ("click", "custom", "play", "pause", "seek", "rewind")]
INTERACTIONS.append(EVENT_TYPES["ended"])
PAGEVIEW = EVENT_TYPES["pageview"]
CLICK = EVENT_TYPES["click"]

# rollup_day_media counters (and the contribution kept per visitor and media
# in rollup_open_media), named as the MediaDay fields; watch_us is derived.
MEDIA_COUNTS = (
    "loads",
    "plays",
    "viewers",
    "completions",
    "seeks",
    "rewinds",
    "errors",
    "timed_plays",
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
# rollup_open_seen.dim: 0 = any event (the day's visitors), then 1, 2, ...
# in DIMENSIONS order.
ANY_EVENT = 0

# The columns of an event a fold needs, with its site-local day.
INPUT_COLUMNS = """e.site_id, (e.ts AT TIME ZONE s.timezone)::date AS day, e.ts, e.seq,
    e.visitor, e.type, e.eng, e.path, e.referrer, e.country, e.region, e.city, e.browser,
    e.os, e.device, e.screen_w, e.screen_h, e.lang, e.x, e.y, e.el, e.src, e.pos,
    e.from_pos, e.to_pos, e.dur"""


# --- the input of a fold ----------------------------------------------------


async def prepare_fold(conn: asyncpg.Connection) -> None:
    """Temp tables of one run (dropped at its commit or rollback)."""
    await conn.execute(
        f"""CREATE TEMP TABLE rollup_input ON COMMIT DROP AS
            SELECT {INPUT_COLUMNS} FROM events e JOIN sites s ON s.id = e.site_id WITH NO DATA"""
    )
    await conn.execute(
        "CREATE TEMP TABLE rollup_old_visits (LIKE rollup_open_visits) ON COMMIT DROP"
    )
    await conn.execute(
        """CREATE TEMP TABLE rollup_media_delta ON COMMIT DROP AS
           SELECT site_id, day, el, src, watch_us, coverage, loads, plays, viewers, completions,
                  seeks, rewinds, errors, timed_plays
           FROM rollup_day_media WITH NO DATA"""
    )


async def has_new_rows(conn: asyncpg.Connection, xmin: str, previous: str) -> bool:
    """Whether this transaction sees a row that the snapshot `previous` did not."""
    return await conn.fetchval(
        """SELECT EXISTS (SELECT FROM events
                          WHERE rollup_xact >= $1::text::xid8
                            AND NOT pg_visible_in_snapshot(rollup_xact, $2::text::pg_snapshot))""",
        xmin,
        previous,
    )


async def load_new_rows(conn: asyncpg.Connection, xmin: str, previous: str) -> None:
    """Into rollup_input: the rows this transaction sees and `previous` did not.

    Their inserting transaction id (events.rollup_xact) is at least the
    previous snapshot's xmin: that bounds the index scan; the visibility test
    does the rest.
    """
    await conn.execute(
        f"""INSERT INTO rollup_input
            SELECT {INPUT_COLUMNS} FROM events e JOIN sites s ON s.id = e.site_id
            WHERE e.rollup_xact >= $1::text::xid8
              AND NOT pg_visible_in_snapshot(e.rollup_xact, $2::text::pg_snapshot)""",
        xmin,
        previous,
    )


async def input_days(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """(site_id, timezone, day, rows) of what rollup_input holds."""
    return await conn.fetch(
        """SELECT i.site_id, s.timezone, i.day, count(*) AS rows
           FROM rollup_input i JOIN sites s ON s.id = i.site_id
           GROUP BY i.site_id, s.timezone, i.day ORDER BY 1, 3"""
    )


async def drop_input_day(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    await conn.execute("DELETE FROM rollup_input WHERE site_id = $1 AND day = $2", site_id, day)


async def load_day(conn: asyncpg.Connection, site_id: int, timezone: str, day: date) -> int:
    """Every raw row of the site's `day` into rollup_input; how many."""
    lo, hi = day_bounds(day, timezone)
    status = await conn.execute(
        f"""INSERT INTO rollup_input
            SELECT {INPUT_COLUMNS} FROM events e JOIN sites s ON s.id = e.site_id
            WHERE e.site_id = $1 AND e.ts >= $2 AND e.ts < $3""",
        site_id,
        lo,
        hi,
    )
    return int(status.split()[-1])


async def raw_rows(conn: asyncpg.Connection, site_id: int, timezone: str, day: date) -> int:
    lo, hi = day_bounds(day, timezone)
    return await conn.fetchval(
        "SELECT count(*) FROM events WHERE site_id = $1 AND ts >= $2 AND ts < $3",
        site_id,
        lo,
        hi,
    )


async def folded_rows(conn: asyncpg.Connection, site_id: int, day: date) -> int:
    """Raw rows the day's aggregates were made of (0: none yet)."""
    n = await conn.fetchval(
        "SELECT events FROM rollup_days WHERE site_id = $1 AND day = $2", site_id, day
    )
    return n or 0


# --- open days --------------------------------------------------------------


async def is_open(conn: asyncpg.Connection, site_id: int, day: date) -> bool:
    return await conn.fetchval(
        "SELECT EXISTS (SELECT FROM rollup_open_days WHERE day = $1 AND site_id = $2)",
        day,
        site_id,
    )


async def open_day(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    await conn.execute(
        "INSERT INTO rollup_open_days (day, site_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        day,
        site_id,
    )


async def clear_day(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    """Delete the day's aggregates and working state (before a rebuild)."""
    for table in ROLLUP_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE site_id = $1 AND day = $2", site_id, day)
    await drop_day_state(conn, site_id, day)


async def drop_day_state(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    await conn.execute("DELETE FROM rollup_open_days WHERE day = $1 AND site_id = $2", day, site_id)
    for table in OPEN_STATE_TABLES:
        await conn.execute(f"DELETE FROM {table} WHERE day = $1 AND site_id = $2", day, site_id)


async def close_days(conn: asyncpg.Connection, before: date, batch_rows: int) -> int:
    """Close the days before `before`: they leave rollup_open_days at once, and
    their state rows go in batches of at most `batch_rows` per table and call
    (a closed day's leftover state is never read as the state of an open day).
    The number of state rows deleted."""
    await conn.execute("DELETE FROM rollup_open_days WHERE day < $1", before)
    # Mostly nothing to close: the first day of each table (its index leads
    # with the day) says so in a few page reads, whatever its size.
    oldest = await conn.fetchrow(
        "SELECT " + ", ".join(f"(SELECT min(day) FROM {t}) AS {t}" for t in OPEN_STATE_TABLES)
    )
    deleted = 0
    for table in OPEN_STATE_TABLES:
        if oldest[table] is None or oldest[table] >= before:
            continue
        status = await conn.execute(
            f"""DELETE FROM {table} WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM {table} WHERE day < $1 LIMIT $2))""",
            before,
            batch_rows,
        )
        deleted += int(status.split()[-1])
    return deleted


# --- the fold ---------------------------------------------------------------


async def fold_input(conn: asyncpg.Connection) -> int:
    """Add the rows of rollup_input to the aggregates and the open-day state,
    then empty it; the number of rows folded."""
    rows = await conn.fetchval("SELECT count(*) FROM rollup_input")
    if rows:
        await _fold_days(conn)
        await _fold_visitors(conn)
        await _fold_visits(conn)
        await _fold_types(conn)
        await _fold_keys(conn)
        await _fold_clicks(conn)
        await _fold_media(conn)
    await conn.execute("TRUNCATE rollup_input, rollup_old_visits, rollup_media_delta")
    return rows


async def _fold_days(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """INSERT INTO rollup_days AS d (site_id, day, timezone, events, pageviews, visitors,
                                         visits, bounces, visit_seconds, visit_us)
           SELECT i.site_id, i.day, s.timezone, count(*), count(*) FILTER (WHERE i.type = $1),
                  0, 0, 0, 0, 0
           FROM rollup_input i JOIN sites s ON s.id = i.site_id
           GROUP BY i.site_id, i.day, s.timezone
           ON CONFLICT (site_id, day) DO UPDATE
           SET events = d.events + excluded.events, pageviews = d.pageviews + excluded.pageviews,
               folded_at = now()""",
        PAGEVIEW,
    )


async def _fold_visitors(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """WITH seen AS (
               INSERT INTO rollup_open_seen (day, site_id, dim, key_hash, visitor)
               SELECT DISTINCT day, site_id, $1::smallint, 0::bigint, visitor FROM rollup_input
               ON CONFLICT DO NOTHING RETURNING day, site_id
           )
           UPDATE rollup_days d SET visitors = d.visitors + n.n
           FROM (SELECT day, site_id, count(*) AS n FROM seen GROUP BY 1, 2) n
           WHERE d.site_id = n.site_id AND d.day = n.day""",
        ANY_EVENT,
    )


# Seconds of a visit in microseconds: first to last event, or the summed
# pageleave engagement when longer (README, "Visit duration").
_VISIT_US = "greatest((extract(epoch FROM last_ts - first_ts) * 1000000)::bigint, eng * 1000)"
_BOUNCE = "(pageviews = 1 AND interactions = 0)::int"


async def _fold_visits(conn: asyncpg.Connection) -> None:
    # The visits of the visitors in the input leave the state...
    await conn.execute(
        """WITH gone AS (
               DELETE FROM rollup_open_visits v
               USING (SELECT DISTINCT day, site_id, visitor FROM rollup_input) t
               WHERE v.day = t.day AND v.site_id = t.site_id AND v.visitor = t.visitor
               RETURNING v.*
           )
           INSERT INTO rollup_old_visits SELECT * FROM gone"""
    )
    # ... and come back merged with the new events: items in time order, a
    # new visit where an item starts 30 minutes or more after every earlier
    # one has ended. Peers (same start and end) can only continue a visit,
    # so the start row sorts first among them (starts DESC).
    await conn.execute(
        f"""
        WITH items AS (
            SELECT day, site_id, visitor, first_ts AS lo, last_ts AS hi,
                   pageviews, interactions, eng
            FROM rollup_old_visits
            UNION ALL
            SELECT day, site_id, visitor, ts, ts, (type = $1)::int,
                   (type = ANY($2::smallint[]))::int, coalesce(eng, 0)
            FROM rollup_input
        ), marked AS (
            SELECT *, CASE WHEN lo - max(hi) OVER (
                               PARTITION BY day, site_id, visitor ORDER BY lo, hi
                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) < $3
                      THEN 0 ELSE 1 END AS starts
            FROM items
        ), numbered AS (
            SELECT *, sum(starts) OVER (PARTITION BY day, site_id, visitor
                                        ORDER BY lo, hi, starts DESC
                                        ROWS UNBOUNDED PRECEDING) AS visit
            FROM marked
        ), made AS (
            INSERT INTO rollup_open_visits (day, site_id, visitor, first_ts, last_ts,
                                            pageviews, interactions, eng)
            SELECT day, site_id, visitor, min(lo), max(hi), sum(pageviews), sum(interactions),
                   sum(eng)
            FROM numbered GROUP BY day, site_id, visitor, visit
            RETURNING *
        ), delta AS (
            SELECT day, site_id, 1 AS visits, {_BOUNCE} AS bounces, {_VISIT_US} AS us FROM made
            UNION ALL
            SELECT day, site_id, -1, -{_BOUNCE}, -{_VISIT_US} FROM rollup_old_visits
        ), per_day AS (
            SELECT day, site_id, sum(visits) AS visits, sum(bounces) AS bounces,
                   sum(us)::bigint AS us
            FROM delta GROUP BY day, site_id
        )
        UPDATE rollup_days d
        SET visits = d.visits + p.visits, bounces = d.bounces + p.bounces,
            visit_us = d.visit_us + p.us,
            visit_seconds = (d.visit_us + p.us)::numeric / 1000000
        FROM per_day p WHERE d.site_id = p.site_id AND d.day = p.day
        """,
        PAGEVIEW,
        INTERACTIONS,
        VISIT_GAP,
    )


async def _fold_types(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """INSERT INTO rollup_day_types AS t (site_id, day, type, events)
           SELECT site_id, day, type, count(*) FROM rollup_input GROUP BY 1, 2, 3
           ON CONFLICT (site_id, day, type) DO UPDATE SET events = t.events + excluded.events"""
    )


async def _fold_keys(conn: asyncpg.Connection) -> None:
    # One grouping set per dimension: the (visitor, dimension, key) pairs come
    # out of one pass over the input, each set with only its own key not NULL.
    exprs = list(DIMENSIONS.values())
    code = " ".join(f"WHEN GROUPING({e}) = 0 THEN {n}" for n, e in enumerate(exprs, start=1))
    name = " ".join(
        f"WHEN GROUPING({e}) = 0 THEN '{d}'" for d, e in zip(DIMENSIONS, exprs, strict=True)
    )
    sets = ", ".join(f"({e})" for e in exprs)
    await conn.execute(
        f"""
        WITH pairs AS MATERIALIZED (
            SELECT site_id, day, (CASE {code} END)::smallint AS code, CASE {name} END AS dim,
                   coalesce({", ".join(exprs)}) AS key, visitor, count(*) AS pageviews
            FROM rollup_input
            WHERE type = $1
            GROUP BY site_id, day, visitor, GROUPING SETS ({sets})
        ), counted AS (
            SELECT site_id, day, code, dim, key, hashtextextended(key, 0) AS key_hash,
                   sum(pageviews)::bigint AS pageviews
            FROM pairs GROUP BY site_id, day, code, dim, key
        ), seen AS (
            INSERT INTO rollup_open_seen (day, site_id, dim, key_hash, visitor)
            SELECT day, site_id, code, hashtextextended(key, 0), visitor FROM pairs
            ON CONFLICT DO NOTHING RETURNING day, site_id, dim, key_hash
        ), fresh AS (
            SELECT day, site_id, dim, key_hash, count(*) AS visitors
            FROM seen GROUP BY day, site_id, dim, key_hash
        )
        INSERT INTO rollup_day_keys AS k (site_id, dim, day, key, visitors, pageviews)
        SELECT c.site_id, c.dim, c.day, c.key, coalesce(f.visitors, 0), c.pageviews
        FROM counted c
        LEFT JOIN fresh f ON f.site_id = c.site_id AND f.day = c.day AND f.dim = c.code
                         AND f.key_hash = c.key_hash
        ON CONFLICT (site_id, dim, day, key) DO UPDATE
        SET visitors = k.visitors + excluded.visitors, pageviews = k.pageviews + excluded.pageviews
        """,
        PAGEVIEW,
    )


async def _fold_clicks(conn: asyncpg.Connection) -> None:
    await conn.execute(
        """INSERT INTO rollup_day_clicks AS c (site_id, day, path, x, y, clicks)
           SELECT site_id, day, coalesce(path, ''),
                  least(greatest(floor(x * 100), 0), 100)::smallint,
                  (floor(y / 10.0) * 10)::integer, count(*)
           FROM rollup_input
           WHERE type = $1 AND x IS NOT NULL AND y IS NOT NULL
           GROUP BY 1, 2, 3, 4, 5
           ON CONFLICT (site_id, day, path, x, y) DO UPDATE
           SET clicks = c.clicks + excluded.clicks""",
        CLICK,
    )
    await conn.execute(
        """INSERT INTO rollup_day_click_elements AS c (site_id, day, path, el, clicks)
           SELECT site_id, day, coalesce(path, ''), el, count(*)
           FROM rollup_input
           WHERE type = $1 AND el IS NOT NULL
           GROUP BY 1, 2, 3, 4
           ON CONFLICT (site_id, day, path, el) DO UPDATE
           SET clicks = c.clicks + excluded.clicks""",
        CLICK,
    )


# --- media ------------------------------------------------------------------

_MEDIA_ROWS = "el IS NOT NULL AND (type = ANY($1::smallint[]) OR type = $2)"
# One event in rollup_open_media.events (see migration 0005).
_EVENT = struct.Struct("<qhhBffff")
_COVERAGE = struct.Struct(f"<{RETENTION_POINTS}i")
_TIME_ORDER = itemgetter(0, 1)  # ts, seq
# Media plays summarized between two turns of the event loop (about 10 ms).
YIELD_EVERY = 500
_STATE_COLUMNS = (
    "day",
    "site_id",
    "visitor",
    "el",
    "src",
    "events",
    *MEDIA_COUNTS,
    "watch_us",
    "coverage",
)


def _pack(events: list[tuple]) -> bytes:
    """(ts_us, seq, type, pos, from_pos, to_pos, dur) tuples -> packed events."""
    out = bytearray()
    pack = _EVENT.pack
    for ts, seq, type_, pos, frm, to, dur in events:
        mask = (pos is None) | (frm is None) << 1 | (to is None) << 2 | (dur is None) << 3
        out += pack(ts, seq, type_, mask, pos or 0.0, frm or 0.0, to or 0.0, dur or 0.0)
    return bytes(out)


def _unpack(packed: bytes) -> list[tuple]:
    out = []
    for ts, seq, type_, mask, pos, frm, to, dur in _EVENT.iter_unpack(packed):
        if mask:
            pos = None if mask & 1 else pos
            frm = None if mask & 2 else frm
            to = None if mask & 4 else to
            dur = None if mask & 8 else dur
        out.append((ts, seq, type_, pos, frm, to, dur))
    return out


async def _fold_media(conn: asyncpg.Connection) -> None:
    """Per (visitor, el, src) touched: all its events of the day summarized
    again; rollup_day_media changes by new minus old summary."""
    media = (list(MEDIA_CODES), ERROR)
    new = await conn.fetch(
        f"""SELECT day, site_id, visitor, el, coalesce(src, '') AS src,
                   (extract(epoch FROM ts) * 1000000)::bigint AS ts, seq, type, pos,
                   from_pos, to_pos, dur
            FROM rollup_input WHERE {_MEDIA_ROWS}""",
        *media,
    )
    if not new:
        return
    old = await conn.fetch(
        f"""DELETE FROM rollup_open_media m
            USING (SELECT DISTINCT day, site_id, visitor FROM rollup_input WHERE {_MEDIA_ROWS}) t
            WHERE m.day = t.day AND m.site_id = t.site_id AND m.visitor = t.visitor
            RETURNING m.*""",
        *media,
    )
    events: dict[tuple, list[tuple]] = defaultdict(list)
    before: dict[tuple, asyncpg.Record] = {}
    for r in old:
        key = (r["day"], r["site_id"], r["visitor"], r["el"], r["src"])
        before[key] = r
        events[key] = _unpack(r["events"])
    for n, (day, site_id, visitor, el, src, *event) in enumerate(new):
        if n % (YIELD_EVERY * 10) == 0:
            await asyncio.sleep(0)
        events[(day, site_id, visitor, el, src)].append(tuple(event))

    state = []
    deltas: dict[tuple, list] = {}
    zero = [0] * RETENTION_POINTS
    for n, (key, evs) in enumerate(events.items()):
        if n % YIELD_EVERY == 0:
            # This loop is the rollup's only long stretch of Python: let the
            # ingest handlers of this event loop run in between.
            await asyncio.sleep(0)
        day, site_id, visitor, el, src = key
        evs.sort(key=_TIME_ORDER)
        summary = summarize_one(e[2:] for e in evs)
        counts = [getattr(summary, name) for name in MEDIA_COUNTS]
        watch_us = round(summary.watch_seconds * 1_000_000)
        coverage = summary.coverage
        state.append((*key, _pack(evs), *counts, watch_us, _COVERAGE.pack(*coverage)))
        delta = deltas.setdefault(
            (site_id, day, el, src), [0] * len(MEDIA_COUNTS) + [0, [0] * RETENTION_POINTS]
        )
        prev = before.get(key)
        prev_coverage = _COVERAGE.unpack(prev["coverage"]) if prev else zero
        for i, name in enumerate(MEDIA_COUNTS):
            delta[i] += counts[i] - (prev[name] if prev else 0)
        delta[-2] += watch_us - (prev["watch_us"] if prev else 0)
        total = delta[-1]
        for i in range(RETENTION_POINTS):
            total[i] += coverage[i] - prev_coverage[i]
    await conn.copy_records_to_table("rollup_open_media", records=state, columns=_STATE_COLUMNS)
    await conn.copy_records_to_table(
        "rollup_media_delta",
        records=[(*key, *d) for key, d in deltas.items()],
        columns=("site_id", "day", "el", "src", *MEDIA_COUNTS, "watch_us", "coverage"),
    )
    sums = ", ".join(f"{c} = m.{c} + excluded.{c}" for c in MEDIA_COUNTS)
    await conn.execute(
        f"""INSERT INTO rollup_day_media AS m (site_id, day, el, src, {", ".join(MEDIA_COUNTS)},
                                              watch_us, watch_seconds, coverage)
            SELECT site_id, day, el, src, {", ".join(MEDIA_COUNTS)}, watch_us,
                   watch_us::numeric / 1000000, coverage
            FROM rollup_media_delta
            ON CONFLICT (site_id, day, el, src) DO UPDATE
            SET {sums}, watch_us = m.watch_us + excluded.watch_us,
                watch_seconds = (m.watch_us + excluded.watch_us)::numeric / 1000000,
                coverage = ARRAY(SELECT u.a + u.b
                                 FROM unnest(m.coverage, excluded.coverage)
                                      WITH ORDINALITY AS u (a, b, i)
                                 ORDER BY u.i)"""
    )
