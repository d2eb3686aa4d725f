"""A writer with a real spool in a temporary directory, for tests that feed it rows."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from collector.ingest.queue import EventQueue
from collector.ingest.spool import Spool
from collector.ingest.writer import BATCH_ROWS, Writer
from collector.metrics import Metrics


def spool_for(directory: Path, queue: EventQueue, *, max_bytes: int = 1 << 30) -> Spool:
    return Spool(directory, fsync=True, max_bytes=max_bytes, on_written=queue.offer)


@asynccontextmanager
async def spooled_writer(
    database_url: str, directory: Path, *, queue_max: int = 10 * BATCH_ROWS, orphans=None
) -> AsyncIterator[Writer]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    queue = EventQueue(queue_max, wake_at=BATCH_ROWS)
    spool = spool_for(directory, queue)
    spool.open()
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
