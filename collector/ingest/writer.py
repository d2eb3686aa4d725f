"""Writer: the one task per process that moves queued rows into PostgreSQL.

Rows arrive already encoded for binary COPY (copy_format.py). The writer
sends them with COPY in batches, flushing when a batch's worth of rows is
waiting or every FLUSH_INTERVAL_S, and drains everything at shutdown. A
batch that fails is handled by cause:
- a day without partition: the partition is created and the batch retried;
- PostgreSQL unreachable: the rows go back to the head of the queue and the
  writer retries with backoff (the queue is bounded; handlers then answer 503);
- a row PostgreSQL refuses: the batch is split in halves until the poison
  row stands alone, and only that row is dropped and counted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime

import asyncpg

from collector.db.partitions import ensure_partitions
from collector.ingest.copy_format import COLUMNS, copy_data, row_epoch_us
from collector.ingest.queue import EventQueue
from collector.metrics import Metrics

log = logging.getLogger(__name__)

BATCH_ROWS = 5000
FLUSH_INTERVAL_S = 0.25
MAX_BACKOFF_S = 5.0
# A row PostgreSQL cannot take (bad value, constraint), as opposed to an outage.
_ROW_REFUSED = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)
_UNREACHABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.ConnectionDoesNotExistError,
)


async def copy_rows(conn: asyncpg.Connection, rows: list[bytes]) -> None:
    # asyncpg reads a bytes `source` as a file path; an async iterable is sent as data.
    async def data():
        yield copy_data(rows)

    await conn.copy_to_table("events", source=data(), columns=COLUMNS, format="binary")


class Writer:
    def __init__(self, pool: asyncpg.Pool, queue: EventQueue, metrics: Metrics) -> None:
        self.pool = pool
        self.queue = queue
        self.metrics = metrics
        self._task: asyncio.Task | None = None
        self._stopping = False
        # Held while rows are out of the queue and not yet written, so flush()
        # cannot return while the writer task still has a batch in flight.
        self._busy = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="writer")

    async def stop(self, timeout_s: float = 30.0) -> None:
        """Write everything queued (within `timeout_s`), then stop."""
        self._stopping = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout_s)
            except TimeoutError:
                log.error(
                    "shutdown: %d queued events could not be written in time", len(self.queue)
                )

    async def flush(self) -> None:
        """Write what is queued now, and what the writer task is writing (tests, shutdown)."""
        async with self._busy:
            while len(self.queue):
                await self._write(self.queue.take(BATCH_ROWS))

    async def _run(self) -> None:
        backoff = 0.0
        while not (self._stopping and not len(self.queue)):
            if backoff:
                await asyncio.sleep(backoff)
            elif not self._stopping:
                await self.queue.wait(FLUSH_INTERVAL_S)
            async with self._busy:
                rows = self.queue.take(BATCH_ROWS)
                self.metrics.set("queue_depth", len(self.queue))
                if not rows:
                    continue
                try:
                    await self._write(rows)
                    backoff = 0.0
                except _UNREACHABLE as exc:
                    self.queue.put_back(rows)
                    self.metrics.add("write_errors")
                    backoff = min(MAX_BACKOFF_S, max(0.1, backoff * 2))
                    log.warning(
                        "PostgreSQL unreachable (%s); %d rows wait, retry in %.1fs",
                        type(exc).__name__,
                        len(self.queue),
                        backoff,
                    )
                    if self._stopping and backoff >= MAX_BACKOFF_S:
                        log.error(
                            "shutdown: dropping %d rows, PostgreSQL is unreachable",
                            len(self.queue),
                        )
                        return

    async def _write(self, rows: list[bytes]) -> None:
        started = time.perf_counter()
        async with self.pool.acquire() as conn:
            await self._copy(conn, rows)
        self.metrics.observe_batch(len(rows), time.perf_counter() - started)

    async def _copy(self, conn: asyncpg.Connection, rows: list[bytes]) -> None:
        try:
            await copy_rows(conn, rows)
        except asyncpg.CheckViolationError as exc:
            if "no partition" not in str(exc):
                await self._isolate(conn, rows)
                return
            await self._add_partitions(conn, rows)
            await self._copy(conn, rows)
            return
        except _ROW_REFUSED as exc:
            log.warning("batch refused (%s); isolating the bad rows", type(exc).__name__)
            await self._isolate(conn, rows)
            return
        self.metrics.add("rows_written", len(rows))

    async def _isolate(self, conn: asyncpg.Connection, rows: list[bytes]) -> None:
        """Write what PostgreSQL accepts, bisecting; drop only rows refused alone."""
        self.metrics.add("write_errors")
        if len(rows) == 1:
            self.metrics.add("dropped:write_failed")
            log.warning("dropped one event PostgreSQL refused")
            return
        middle = len(rows) // 2
        for half in (rows[:middle], rows[middle:]):
            try:
                await copy_rows(conn, half)
                self.metrics.add("rows_written", len(half))
            except _ROW_REFUSED:
                await self._isolate(conn, half)

    async def _add_partitions(self, conn: asyncpg.Connection, rows: list[bytes]) -> None:
        # Only the days present: a range from the oldest to the newest could
        # fill years of empty partitions for one odd row.
        created = []
        days = {datetime.fromtimestamp(row_epoch_us(r) / 1e6, UTC).date() for r in rows}
        for day in sorted(days):
            created += await ensure_partitions(conn, day, day)
        log.info("created partitions on demand: %s", ", ".join(created) or "none")
