"""The input of a fold: the temp tables of a run and the raw rows put into
`rollup_input` (each with its site-local day), and the row counts by which
the job tells whether a closed day can be rebuilt exactly.

Which rows are new for a run (the snapshot difference) is explained in
collector/rollup/job.py; what a fold does with them, in
collector/rollup/fold.py.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from collector.db.queries import load
from collector.rollup.days import day_bounds

SQL = load(__name__)


async def prepare_fold(conn: asyncpg.Connection) -> None:
    """Temp tables of one run (dropped at its commit or rollback)."""
    await conn.execute(SQL["prepare_fold.input"])
    await conn.execute(
        "CREATE TEMP TABLE rollup_old_visits (LIKE rollup_open_visits) ON COMMIT DROP"
    )
    await conn.execute(SQL["prepare_fold.media_delta"])


async def has_new_rows(conn: asyncpg.Connection, xmin: str, previous: str) -> bool:
    """Whether this transaction sees a row that the snapshot `previous` did not."""
    return await conn.fetchval(SQL.has_new_rows, xmin, previous)


async def load_new_rows(conn: asyncpg.Connection, xmin: str, previous: str) -> None:
    """Into rollup_input: the rows this transaction sees and `previous` did not.

    Their inserting transaction id (events.rollup_xact) is at least the
    previous snapshot's xmin: that bounds the index scan; the visibility test
    does the rest.
    """
    await conn.execute(SQL.load_new_rows, xmin, previous)


async def input_days(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """(site_id, timezone, day, rows) of what rollup_input holds."""
    return await conn.fetch(SQL.input_days)


async def drop_input_day(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    await conn.execute("DELETE FROM rollup_input WHERE site_id = $1 AND day = $2", site_id, day)


async def load_day(conn: asyncpg.Connection, site_id: int, timezone: str, day: date) -> int:
    """Every raw row of the site's `day` into rollup_input; how many."""
    lo, hi = day_bounds(day, timezone)
    status = await conn.execute(SQL.load_day, site_id, lo, hi)
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
