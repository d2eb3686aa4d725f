"""Exactly once across nodes: the client ids every node stored recently, in PostgreSQL.

Each process drops ids it saw itself (dedup.py) before they reach its spool.
That cannot catch a client that retries an unanswered request on another
node: node A may have spooled the first attempt and died before answering,
and replays it at its next start, after node B stored the retry. So the
writer of every node checks, inside the transaction of each batch, the
batch's client ids against `recent_client_ids` (migration 0008):

1. COPY the batch's rows into `events`, as before;
2. insert the ids of the rows this transaction wrote (found through
   `events.rollup_xact`, which PostgreSQL fills with the transaction's id)
   into the current slot, with a plain INSERT under a savepoint, each one
   probed in the other slot first. This is the whole cost when every id is
   new: one index entry per event, no staging table, no second COPY;
3. if an id was there already (unique_violation, or found in the other
   slot), the savepoint is rolled back and the slow statement claims what
   is new with `ON CONFLICT DO NOTHING` (which waits for a transaction
   holding the same id and skips it if that one commits) and deletes the
   rows whose ids it did not claim, keeping one row per id.

The ids commit together with the rows and spool_progress, so after a crash
of PostgreSQL or of the writer either all three are there or none is; two
nodes writing the same id at the same moment are ordered by the unique
index, and only one of them keeps its row.

Two slots (partitions), so that forgetting is a TRUNCATE: every
ROTATE_EVERY_S the older slot is emptied and becomes the current one, so an
id is remembered for between ROTATE_EVERY_S and twice that. Any node's
writer may rotate (each checks every CHECK_EVERY_S); an exclusive advisory
lock, which every batch takes shared, keeps a rotation from running while a
batch is between its probe and its commit.

The window bounds what is caught: a retry (or a node's replay of its spool
after a crash) more than ROTATE_EVERY_S after the other copy was stored may
be stored again. Nodes restarted by systemd come back within seconds.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

import asyncpg

from collector.db.queries import load
from collector.db.splice import splice

SQL = load(__name__)
log = logging.getLogger(__name__)

ROTATE_LOCK_KEY = 0x7065696C_0008  # "peil" + 8
ROTATE_EVERY_S = 300
CHECK_EVERY_S = 30.0
# What the fast path gives up on: an id stored already (or twice in the batch),
# or two batches inserting the same ids in opposite orders.
_TAKEN = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)


class _Seen(Exception):
    """An id of the batch is in the other slot: undo the fast path's inserts."""


async def claim_ids(conn: asyncpg.Connection) -> int:
    """In a batch's transaction, after its rows are in `events`: record their
    client ids, and delete the rows whose id is stored already. Returns the
    rows deleted (0 unless a retry or a replay brought an id again)."""
    slot = await conn.fetchval(SQL["claim_ids.slot"], ROTATE_LOCK_KEY)
    with suppress(_Seen, *_TAKEN):
        async with conn.transaction():  # a savepoint: a failure undoes the ids only
            if await conn.fetchval(SQL["claim_ids.fast"], slot, 1 - slot):
                return 0
            raise _Seen
    return await conn.fetchval(SQL["claim_ids.slow"], slot, 1 - slot)


async def rotate_if_due(conn: asyncpg.Connection, every_s: float = ROTATE_EVERY_S) -> bool:
    """Empty the older slot and make it the current one, once `every_s` is up."""
    if not await conn.fetchval(SQL["rotate_if_due.due"], every_s):
        return False
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", ROTATE_LOCK_KEY)
        slot = await conn.fetchval(SQL["rotate_if_due.switch"], every_s)
        if slot is None:
            return False  # another node was first
        await conn.execute(
            splice(SQL["rotate_if_due.truncate"], partition=f"recent_client_ids_{slot}")
        )
    return True


async def keep_rotating(pool: asyncpg.Pool, check_every_s: float = CHECK_EVERY_S) -> None:
    """The writer's companion task: rotate when due; an unreachable database waits."""
    while True:
        await asyncio.sleep(check_every_s)
        try:
            async with pool.acquire() as conn:
                if await rotate_if_due(conn):
                    log.debug("recent client ids: rotated")
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            continue  # the writer reports the outage
