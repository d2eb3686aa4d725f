"""The open days' bookkeeping: which (site, day) keeps working state
(`rollup_open_days`), clearing a day before its rebuild, and closing the days
that are no longer open, their state deleted in batches (their visits
moved to `visits`, which the reports read).

What an open day is and why its state is UNLOGGED: collector/rollup/job.py.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from collector.db.queries import load

SQL = load(__name__)

# Working state of the open days: per-visitor, never aggregates (0005 migration).
# drop_day_state and close_days name each of them in their queries.
OPEN_STATE_TABLES = ("rollup_open_seen", "rollup_open_visits", "rollup_open_media")
# The batched delete of each state table's closed days, in that order.
_CLOSE = (
    ("rollup_open_seen", SQL["close_days.seen"]),
    ("rollup_open_visits", SQL["close_days.visits"]),
    ("rollup_open_media", SQL["close_days.media"]),
)


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
    """Delete the day's aggregates (every table of fold.ROLLUP_TABLES), its
    visits and its working state (before a rebuild)."""
    await conn.execute(SQL.clear_day, site_id, day)
    await conn.execute(SQL["clear_day.visits"], site_id, day)
    await drop_day_state(conn, site_id, day)


async def close_day(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    """A closed day just rebuilt: its visits go to `visits`, its state away."""
    await conn.execute(SQL.close_day, day, site_id)
    await drop_day_state(conn, site_id, day)


async def drop_day_state(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    """The day leaves rollup_open_days, its rows leave the state tables."""
    await conn.execute(SQL.drop_day_state, day, site_id)


async def close_days(conn: asyncpg.Connection, before: date, batch_rows: int) -> int:
    """Close the days before `before`: they leave rollup_open_days at once, and
    their state rows go in batches of at most `batch_rows` per table and call
    (a closed day's leftover state is never read as the state of an open day).
    The number of state rows deleted."""
    await conn.execute("DELETE FROM rollup_open_days WHERE day < $1", before)
    # Mostly nothing to close: the first day of each table (its index leads
    # with the day) says so in a few page reads, whatever its size.
    oldest = await conn.fetchrow(SQL["close_days.oldest"])
    deleted = 0
    for table, delete in _CLOSE:
        if oldest[table] is None or oldest[table] >= before:
            continue
        status = await conn.execute(delete, before, batch_rows)
        deleted += int(status.split()[-1])
    return deleted
