"""A writer with a real spool in a temporary directory, for tests that feed it rows."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from collector.durable.queue import EventQueue
from collector.durable.spool import Spool
from collector.durable.writer import BATCH_ROWS, Writer
from collector.metrics import Metrics


def open_spool(
    directory: Path,
    queue: EventQueue | None = None,
    *,
    fsync: bool = True,
    max_bytes: int = 1 << 30,
) -> Spool:
    """A spool handing its written records to `queue` (to one that keeps them all if None)."""
    if queue is None:  # not `or`: an empty queue is falsy
        queue = EventQueue(capacity=10**9, wake_at=10**9)
    spool = Spool(directory, fsync=fsync, max_bytes=max_bytes, on_written=queue.offer)
    spool.open()
    return spool


@asynccontextmanager
async def spooled_writer(
    database_url: str, directory: Path, *, queue_max: int = 10 * BATCH_ROWS, orphans=None
) -> AsyncIterator[Writer]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    queue = EventQueue(queue_max, wake_at=BATCH_ROWS)
    spool = open_spool(directory, queue)
    writer = Writer(pool, spool, queue, Metrics(), orphans)
    try:
        yield writer
    finally:
        await spool.close()
        await pool.close()


async def submit(writer: Writer, rows: list[bytes], per_record: int = 20) -> None:
    """Append rows as the handlers do (records of up to `per_record` rows), until durable."""
    now = time.time_ns() // 1000
    for start in range(0, len(rows), per_record):
        chunk = rows[start : start + per_record]
        durable = writer.spool.append(now, len(chunk), b"".join(chunk))
        if durable is not None:
            await durable
