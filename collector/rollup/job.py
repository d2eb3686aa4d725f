"""The rollup job: one run folds the raw rows committed since the previous run.

A run is one REPEATABLE READ transaction: it loads the rows its snapshot sees
and the previous run's did not (input_rows.py), decides per site-local day
whether to fold them into the open day's state, rebuild the day from its raw
rows, or add them to a closed day's aggregates, folds (fold.py), closes the
days that left the open window (open_days.py), and stores its snapshot in
`rollup_state`. Why this is exact, and what happens to late rows, crashes
and closed days: the package docstring (collector/rollup/__init__.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import asyncpg

from collector.db.queries import load
from collector.rollup import day_reports, fold, input_rows, month_keys, open_days, visit_keys
from collector.rollup.days import local_day

log = logging.getLogger(__name__)
SQL = load(__name__)

INTERVAL_S = 5
# The first run after the upgrade to incremental rollups (no stored snapshot)
# rebuilds the days holding rows received since the old watermark minus this.
LATE_WINDOW = timedelta(minutes=15)
# Days of at least (UTC today - OPEN_UTC_DAYS) are open: today and yesterday
# in every time zone.
OPEN_UTC_DAYS = 2
# State rows of closed days deleted per table and run.
CLOSE_BATCH_ROWS = 200_000
# Memory for the sorts and hashes of one run (one run at a time): a run of a
# few hundred thousand rows then never spills to temporary files.
WORK_MEM = "64MB"
# Local buffers of the run's temp tables (rollup_input: ~130 bytes a row), taken
# as they are used: without them every pass over the input reads it back from
# the operating system.
TEMP_BUFFERS = "128MB"
# One rollup at a time across processes (`serve`, `peil demo`, benchmarks).
ROLLUP_LOCK_KEY = 0x7065696C_0006


@dataclass
class RollupReport:
    days: int = 0
    events: int = 0
    folded: list[tuple[int, date]] = field(default_factory=list)
    rebuilt: list[tuple[int, date]] = field(default_factory=list)


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


async def fold_new(
    conn: asyncpg.Connection,
    *,
    after_day: DayHook | None = None,
    rebuild_site: int | None = None,
) -> RollupReport:
    """Fold what was committed since the last run (`rebuild_site`: also rebuild
    every day of that site; `after_day`: a test hook called after each day)."""
    await _temp_buffers(conn)
    async with rollup_lock(conn), conn.transaction(isolation="repeatable_read"):
        # Each run's new rows differ: a generic plan would not know they are few.
        # A commit lost in a crash only means the run is done again (its
        # snapshot is lost with it): no need to wait for the WAL flush.
        await conn.execute(SQL["fold_new.settings"], WORK_MEM)
        state = await conn.fetchrow(SQL["fold_new.state"], LATE_WINDOW, OPEN_UTC_DAYS)
        current = state["current"]
        report = RollupReport()
        lost = await lost_days(conn, state["open_from"])
        if (
            state["previous"] is not None
            and rebuild_site is None
            and not lost
            and not await input_rows.has_new_rows(conn, state["xmin"], state["previous"])
        ):
            # Nothing new (an idle run, every few seconds): no temp tables.
            await open_days.close_days(conn, state["open_from"], CLOSE_BATCH_ROWS)
            await make_later_rows(conn)
            await conn.execute(
                "UPDATE rollup_state SET snapshot = $1::text::pg_snapshot, watermark = now()",
                current,
            )
            return report
        await input_rows.prepare_fold(conn)
        rebuild: set[tuple[int, str, date]] = set(lost)
        if state["previous"] is None:
            rebuild |= await touched_days(conn, state["since"])
        else:
            await input_rows.load_new_rows(conn, state["xmin"], state["previous"])
        if rebuild_site is not None:
            rebuild |= await touched_days(conn, datetime.min.replace(tzinfo=UTC), rebuild_site)

        incremental = []
        for site_id, timezone, day, rows in await input_rows.input_days(conn):
            if (site_id, timezone, day) in rebuild:
                await input_rows.drop_input_day(conn, site_id, day)
            elif await open_days.is_open(conn, site_id, day):
                incremental.append((site_id, day))
            elif await complete(conn, site_id, timezone, day, rows):
                rebuild.add((site_id, timezone, day))
                await input_rows.drop_input_day(conn, site_id, day)
            else:
                # A closed day partly purged: its rows are added without state.
                incremental.append((site_id, day))
        report.events += await fold.fold_input(conn)
        # A made day that took rows is made again (visit_keys, day_reports),
        # and so is its month (month_keys).
        await visit_keys.forget_days(conn, incremental)
        await day_reports.forget_days(conn, incremental)
        await month_keys.forget_months(conn, incremental)
        for site_id, day in incremental:
            report.folded.append((site_id, day))
            if after_day is not None:
                await after_day(site_id, day)

        for site_id, timezone, day in sorted(rebuild):
            # A day without raw rows keeps its aggregates: they outlive the purge.
            if await input_rows.load_day(conn, site_id, timezone, day) == 0:
                continue
            await open_days.clear_day(conn, site_id, day)
            report.events += await fold.fold_input(conn)
            if day >= state["open_from"]:
                await open_days.open_day(conn, site_id, day)
            else:
                await open_days.close_day(conn, site_id, day)
            report.folded.append((site_id, day))
            report.rebuilt.append((site_id, day))
            if after_day is not None:
                await after_day(site_id, day)

        await month_keys.forget_months(conn, report.rebuilt)  # their months, made again
        await open_days.close_days(conn, state["open_from"], CLOSE_BATCH_ROWS)
        await make_later_rows(conn)
        await conn.execute(
            "UPDATE rollup_state SET snapshot = $1::text::pg_snapshot, watermark = now()",
            current,
        )
    report.folded.sort()
    report.days = len(report.folded)
    return report


async def _temp_buffers(conn: asyncpg.Connection) -> None:
    """Room for a run's temp tables in memory. PostgreSQL allows the change only
    before the session's first temp table (only the rollup makes some), so once
    per connection, outside the run's transaction: a refusal changes nothing."""
    if await conn.fetchval("SHOW temp_buffers") != TEMP_BUFFERS:
        with contextlib.suppress(asyncpg.PostgresError):
            await conn.execute("SELECT set_config('temp_buffers', $1, false)", TEMP_BUFFERS)


async def complete(
    conn: asyncpg.Connection, site_id: int, timezone: str, day: date, new_rows: int
) -> bool:
    """Whether a closed day still has every raw row it was folded from (so it
    can be rebuilt exactly): nothing folded yet, or no fewer raw rows than
    folded plus new."""
    folded = await input_rows.folded_rows(conn, site_id, day)
    if folded == 0:
        return True
    return await input_rows.raw_rows(conn, site_id, timezone, day) >= folded + new_rows


async def make_later_rows(conn: asyncpg.Connection) -> None:
    """The rows made once a day or month is over, for those that lack them,
    and the report rows of the days still open, when stale."""
    await visit_keys.make_days(conn)
    await day_reports.make_days(conn)
    await day_reports.make_open_days(conn)
    await month_keys.make_months(conn)


async def refold_site(conn: asyncpg.Connection, site_id: int) -> RollupReport:
    """Fold what is new, and rebuild every day of the site that still has raw
    events (after its time zone changed; demo data)."""
    return await fold_new(conn, rebuild_site=site_id)


async def lost_days(conn: asyncpg.Connection, open_from: date) -> set[tuple[int, str, date]]:
    """(site, zone, day) of the open days whose state a crash emptied."""
    return {
        (r["site_id"], r["timezone"], r["day"]) for r in await conn.fetch(SQL.lost_days, open_from)
    }


async def touched_days(
    conn: asyncpg.Connection, since: datetime, site_id: int | None = None
) -> set[tuple[int, str, date]]:
    """(site, zone, local day) for every day from the site's first row received since
    `since` to its last (days without rows in between are skipped by the rebuild)."""
    rows = await conn.fetch(SQL.touched_days, since, site_id)
    days = set()
    for site_id, timezone, lo, hi in rows:
        day, last = local_day(lo, timezone), local_day(hi, timezone)
        while day <= last:
            days.add((site_id, timezone, day))
            day += timedelta(days=1)
    return days
