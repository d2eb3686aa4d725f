"""Removing a site: its raw events in every partition, in short batches, then its
row with its aggregates, grants and goals (by cascade) and its working state.

1. The site is marked `removing_since`: from then on ingest refuses its key
   (each collector's site registry reloads within REFRESH_INTERVAL_S) and the
   dashboard still finds it, so an interrupted removal can be run again.
2. Its raw events go in batches of BATCH_ROWS, each its own short
   transaction, so ingest and the dashboards never wait behind one long
   DELETE.
3. Once every collector has had time to forget the key (SETTLE_S after the
   mark), a last pass deletes what they accepted just before.
4. The row goes in one transaction with the working state and the audit
   row; of two removals run at once, only the one that deletes the row
   records it.

Events a collector still held in its spool during a database outage reach
PostgreSQL later, without a site: nothing shows or folds them (the rollup
joins `sites`), and they go with their day's partition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg

from collector.db.partitions import list_partitions, partition_name
from collector.db.queries import load
from collector.db.splice import splice
from collector.errors import PeilError
from collector.ingest.sites import REFRESH_INTERVAL_S
from collector.store.audit import record

SQL = load(__name__)

BATCH_ROWS = 10_000
# Two refreshes of every registry and a margin for a request in flight.
SETTLE_S = 2 * REFRESH_INTERVAL_S + 1.0
# Per-visitor rows derived from the raw events (visits included).
WORKING_STATE = (
    "rollup_open_days",
    "rollup_open_seen",
    "rollup_open_visits",
    "rollup_open_media",
    "visits",
)

Progress = Callable[[str], None]


async def remove_site(
    conn: asyncpg.Connection,
    key: str,
    actor: str,
    progress: Progress = lambda message: None,
    settle_s: float = SETTLE_S,
) -> int:
    """Remove the site with this key and everything stored about it; the number of
    raw events deleted. PeilError if there is no such site."""
    marked = await conn.fetchrow(SQL.mark, key)
    if marked is None:
        raise PeilError(f"There is no site with the key {key[:64]!r}; see: peil sites list.")
    site_id, since = marked["id"], marked["removing_since"]
    deleted = await delete_events(conn, site_id, progress, 0)
    wait = settle_s - (await conn.fetchval("SELECT now()") - since).total_seconds()
    if wait > 0:
        progress(f"waiting {wait:.0f} s for every collector to drop the key")
        await asyncio.sleep(wait)
    deleted = await delete_events(conn, site_id, progress, deleted)
    async with conn.transaction():
        if await conn.fetchval("DELETE FROM sites WHERE id = $1 RETURNING id", site_id):
            for table in WORKING_STATE:
                await conn.execute(splice(SQL.clear_state, table=table), site_id)
            await record(conn, actor, "site-remove", {"site": key, "rows": deleted})
    return deleted


async def delete_events(
    conn: asyncpg.Connection, site_id: int, progress: Progress, deleted: int
) -> int:
    """Delete the site's raw events, partition by partition; `deleted` plus their number."""
    for day in await list_partitions(conn):
        query = splice(SQL.delete_batch, partition=partition_name(day))
        while True:
            try:
                batch = int((await conn.execute(query, site_id, BATCH_ROWS)).split()[-1])
            except asyncpg.UndefinedTableError:
                break  # dropped by a purge meanwhile: its rows are gone anyway
            deleted += batch
            if batch == 0:  # not `< BATCH_ROWS`: a purge's deletes can make a batch short
                break
            progress(f"deleted {deleted:,} raw events")
    return deleted
