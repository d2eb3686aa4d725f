"""Exactly once across nodes: a client id stored by any node is not stored again.

Each process drops ids it saw itself (dedup.py) before they reach its spool.
That cannot catch a client that retries an unanswered request on another
node: node A may have spooled the first attempt and died before answering,
and replays it at its next start, after node B stored the retry; or A was
only slow, and writes it after B did. So PostgreSQL decides, with the same
transaction that writes the rows:

- every day partition of `events` has a unique index on (site_id,
  client_id) for rows with a client id (migration 0008; partitions.py
  creates it with each partition). The writer COPYs a batch as before: when
  every id is new, that index entry per event is the whole cost, no staging
  table, no extra statement (benchmarks/RESULTS.md has the before/after);
- when an id is there already, the COPY fails (unique_violation), the
  transaction is rolled back, and the batch is written again the careful
  way (`copy_new_rows`): COPY into a temporary table, then INSERT ... ON
  CONFLICT DO NOTHING from it, so the same index keeps one row per id. Two
  nodes writing the same id at the same moment are ordered by the index:
  the second waits for the first, and skips the row if it committed.

An id is unique per day partition, while the two copies of a retried event
may land on either side of a UTC midnight: each copy's time is its node's
receive time less the batch's client-time span (at most 10 minutes,
ingest's MAX_BATCH_SPAN_US), so for a retry within RETRY_WINDOW_S the copies
are at most TWIN_SPAN_S apart. Batches received that close to a midnight
always take the careful path, which looks for the ids of rows that close to
a midnight in the partition on the other side as well.

What is not caught: a retry more than RETRY_WINDOW_S after the first
attempt whose copies land on different UTC days (or two such copies written
at the same moment: that lookup is not ordered by the index), and copies of
one event more than ID_INDEX_DAYS apart (a node's spool replayed a week
later), once partitions.py has dropped that day's index.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import asyncpg

from collector.db.queries import load

SQL = load(__name__)

RETRY_WINDOW_S = 20 * 60
# ingest's MAX_BATCH_SPAN_US (an event's time is at most that much before its receive time)
BATCH_SPAN_S = 10 * 60
TWIN_SPAN_S = RETRY_WINDOW_S + BATCH_SPAN_S
_DAY_US = 86_400_000_000


def near_midnight(received_us: Sequence[int]) -> bool:
    """Whether rows received at these times may have a twin on another UTC day."""
    for at in received_us:
        into_day = at % _DAY_US
        if into_day < (TWIN_SPAN_S + BATCH_SPAN_S) * 1_000_000:
            return True
        if _DAY_US - into_day <= TWIN_SPAN_S * 1_000_000:
            return True
    return False


async def copy_new_rows(
    conn: asyncpg.Connection,
    rows: list[bytes],
    copy: Callable[[asyncpg.Connection, list[bytes], str], Awaitable[None]],
) -> int:
    """Inside a transaction: write the rows whose client id is not stored yet
    (rows without one all), one row per id; `copy` (the writer's copy_rows)
    takes them into a temporary table first. Returns the rows written."""
    await conn.execute(SQL["copy_new_rows.staging"])
    await copy(conn, rows, "peil_staging")
    return await conn.fetchval(SQL["copy_new_rows.insert"], TWIN_SPAN_S)
