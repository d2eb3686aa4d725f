"""Removing a site: its row, its aggregates and grants (by cascade), its working
state, and its raw events, partition by partition in short batches.

The site row goes first, in one transaction with its aggregates: from then
on ingest refuses the key (the site registry forgets it within seconds) and
the rollup skips its rows (it joins `sites`). The raw events then go in
batches of `BATCH_ROWS`, each its own short transaction, so ingest and the
dashboards never wait behind one long DELETE; a last pass catches what
ingest accepted before its registry noticed.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncpg

from collector.db.partitions import list_partitions, partition_name
from collector.db.queries import load
from collector.db.splice import splice
from collector.store.audit import record

SQL = load(__name__)

BATCH_ROWS = 10_000
WORKING_STATE = ("rollup_open_days", "rollup_open_seen", "rollup_open_visits", "rollup_open_media")


async def remove_site(
    conn: asyncpg.Connection,
    site_id: int,
    key: str,
    actor: str,
    progress: Callable[[int], None] = lambda deleted: None,
) -> int:
    """Remove the site and everything stored about it; the number of raw events deleted."""
    async with conn.transaction():
        await conn.execute("DELETE FROM sites WHERE id = $1", site_id)
        for table in WORKING_STATE:
            await conn.execute(splice(SQL.clear_state, table=table), site_id)
    deleted = await delete_events(conn, site_id, progress)
    await record(conn, actor, "site-remove", {"site": key, "rows": deleted})
    return deleted


async def delete_events(
    conn: asyncpg.Connection, site_id: int, progress: Callable[[int], None]
) -> int:
    deleted = 0
    for day in await list_partitions(conn):
        query = splice(SQL.delete_batch, partition=partition_name(day))
        while True:
            batch = int((await conn.execute(query, site_id, BATCH_ROWS)).split()[-1])
            deleted += batch
            if batch:
                progress(deleted)
            if batch < BATCH_ROWS:
                break
    return deleted
