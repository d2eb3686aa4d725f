"""The rollup job: fold new raw events into the per-day aggregate tables.

Exactly once without bookkeeping per row: every run recomputes whole
site-local days from the raw events (collector/store/rollups.py), so a day
folded twice is folded the same, and a run that dies half-way is simply
redone by the next one (the watermark only moves after every day is done).

Which days: `ts` is the server's receive time, but a row can reach the
table some minutes after its `ts` (events of a batch are spread up to ten
minutes back, the writer batches). Each run therefore refolds the days that
hold rows received since `watermark - LATE_WINDOW`. Rows later than that (a
spool replayed after an outage) are found by the late sweep, once an hour:
every day of the last LATE_SWEEP_DAYS whose raw row count exceeds the count
it was folded with is folded again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import asyncpg

from collector.store.rollups import fold_day, local_day

log = logging.getLogger(__name__)

INTERVAL_S = 30
LATE_WINDOW = timedelta(minutes=15)
LATE_SWEEP_EVERY = timedelta(hours=1)
LATE_SWEEP_DAYS = 7
# One rollup at a time across processes (`serve`, `peil demo`, benchmarks).
ROLLUP_LOCK_KEY = 0x7065696C_0006


@dataclass
class RollupReport:
    days: int = 0
    events: int = 0
    folded: list[tuple[int, date]] = field(default_factory=list)


DayHook = Callable[[int, date], Awaitable[None]]


async def run(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        report = await fold_new(conn)
    if report.days:
        log.debug("rollup: %d days, %d events", report.days, report.events)


@asynccontextmanager
async def rollup_lock(conn: asyncpg.Connection) -> AsyncIterator[None]:
    await conn.execute("SELECT pg_advisory_lock($1)", ROLLUP_LOCK_KEY)
    try:
        yield
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ROLLUP_LOCK_KEY)


async def fold_days(
    conn: asyncpg.Connection, days: set[tuple[int, str, date]], after_day: DayHook | None = None
) -> RollupReport:
    report = RollupReport()
    for site_id, timezone, day in sorted(days):
        report.events += await fold_day(conn, site_id, timezone, day)
        report.days += 1
        report.folded.append((site_id, day))
        if after_day is not None:
            await after_day(site_id, day)
    return report


async def fold_new(
    conn: asyncpg.Connection, *, after_day: DayHook | None = None, sweep: bool | None = None
) -> RollupReport:
    """Fold what arrived since the last run (`sweep`: force or skip the late sweep;
    `after_day`: a test hook called after each day)."""
    async with rollup_lock(conn):
        # Arithmetic in SQL: the first watermark is -infinity, which Python cannot shift.
        state = await conn.fetchrow(
            """SELECT now() AS now, watermark - $1::interval AS since,
                      now() - late_checked_at >= $2::interval AS sweep_due
               FROM rollup_state""",
            LATE_WINDOW,
            LATE_SWEEP_EVERY,
        )
        now = state["now"]
        days = await touched_days(conn, state["since"])
        swept = state["sweep_due"] if sweep is None else sweep
        if swept:
            days |= await late_days(conn, now - timedelta(days=LATE_SWEEP_DAYS))
        report = await fold_days(conn, days, after_day)
        # Only now: a run that dies before this line is redone whole, and
        # refolding a day gives the same rows.
        await conn.execute(
            """UPDATE rollup_state SET watermark = $1,
                      late_checked_at = CASE WHEN $2 THEN $1 ELSE late_checked_at END""",
            now,
            swept,
        )
        return report


async def refold_site(conn: asyncpg.Connection, site_id: int) -> RollupReport:
    """Fold every day of the site that still has raw events (after its time zone
    changed, or for events inserted with old receive times: demo data, tests)."""
    async with rollup_lock(conn):
        days = await touched_days(conn, datetime.min.replace(tzinfo=UTC), site_id)
        return await fold_days(conn, days)


async def touched_days(
    conn: asyncpg.Connection, since: datetime, site_id: int | None = None
) -> set[tuple[int, str, date]]:
    """(site, zone, local day) for every day from the site's first row received since
    `since` to its last (empty days in between are skipped by fold_day)."""
    rows = await conn.fetch(
        """SELECT s.id, s.timezone, r.lo, r.hi FROM sites s
           CROSS JOIN LATERAL (SELECT min(ts) AS lo, max(ts) AS hi FROM events
                               WHERE site_id = s.id AND ts >= $1) r
           WHERE r.lo IS NOT NULL AND ($2::integer IS NULL OR s.id = $2)""",
        since,
        site_id,
    )
    days = set()
    for site_id, timezone, lo, hi in rows:
        day, last = local_day(lo, timezone), local_day(hi, timezone)
        while day <= last:
            days.add((site_id, timezone, day))
            day += timedelta(days=1)
    return days


async def late_days(conn: asyncpg.Connection, since: datetime) -> set[tuple[int, str, date]]:
    """Days since `since` with more raw rows than they were folded with.

    Fewer raw rows than folded is not a reason to refold: the purge removed
    them and the aggregates outlive raw events.
    """
    rows = await conn.fetch(
        """SELECT r.site_id, r.timezone, r.day FROM (
               SELECT e.site_id, s.timezone, (e.ts AT TIME ZONE s.timezone)::date AS day,
                      count(*) AS n
               FROM events e JOIN sites s ON s.id = e.site_id
               WHERE e.ts >= $1 GROUP BY 1, 2, 3) r
           LEFT JOIN rollup_days d ON d.site_id = r.site_id AND d.day = r.day
           WHERE r.n > coalesce(d.events, 0)""",
        since,
    )
    return {(r["site_id"], r["timezone"], r["day"]) for r in rows}
