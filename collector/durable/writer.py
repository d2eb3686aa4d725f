"""Writer: the one task per process that moves spooled records into PostgreSQL.

Where a batch comes from, in this order:
1. orphans: generations of the spool whose process died; their records after
   the generation's committed seq are replayed first;
2. the in-memory queue (the records the spool has just written);
3. when the queue spilled (PostgreSQL was away or slow), the spool file,
   read back from the first record not yet written, until caught up.

Each batch is one transaction: COPY of its rows (binary, rows encoded by
copy_format.py) plus the update of spool_progress to its last seq. So a
crash at any point leaves PostgreSQL either with the whole batch and its
seq, or with neither, and a replay starts exactly after the last committed
record. After the commit, spool segments that are fully written are deleted.
A row whose client id is stored already (another node took the first
attempt of a retried request) fails the COPY on the partition's unique
index; the batch is then written without it (exactly_once.py).

A batch that fails is handled by cause:
- a day without partition: the partition is created and the batch retried;
- PostgreSQL unreachable: the batch stays where it is (queue or file) and the
  writer retries with backoff; the spool keeps growing meanwhile. A failure
  may hide a COMMIT that happened (PostgreSQL crashed or the connection broke
  after the commit, before its answer arrived), so before the generation's
  records are written again, its seq in spool_progress is read back and the
  records up to it are skipped: never written twice;
- a row PostgreSQL refuses: the batch is split in halves (savepoints) until
  the poison row stands alone, and only that row is dropped and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from collector.db.partitions import ensure_partitions
from collector.durable.copy_format import (
    COLUMNS,
    copy_data,
    row_epoch_us,
    row_site_and_client_id,
    split_rows,
)
from collector.durable.dedup import RecentIds
from collector.durable.exactly_once import copy_new_rows, near_midnight
from collector.durable.queue import EventQueue
from collector.durable.spool import Orphan, Spool, SpoolRecord
from collector.metrics import Metrics
from collector.store.spool_progress import committed_seq, forget, record_progress

log = logging.getLogger(__name__)

BATCH_ROWS = 5000
FLUSH_INTERVAL_S = 0.25
MAX_BACKOFF_S = 5.0
OUTAGE_LOG_EVERY_S = 60.0
# A row PostgreSQL cannot take (bad value, constraint), as opposed to an outage.
_ROW_REFUSED = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)
# Replayed ids are remembered (dedup.py) when received this recently: a
# client retrying a request whose answer the crash swallowed is caught.
REMEMBER_REPLAYED_S = 300


async def copy_rows(conn: asyncpg.Connection, rows: list[bytes], table: str = "events") -> None:
    # asyncpg reads a bytes `source` as a file path, so the data goes as a
    # memoryview (a buffer, sent at once). Not as an async iterable: asyncpg
    # (0.32) then waits for the socket to drain between chunks without any
    # timeout, and a connection lost meanwhile (PostgreSQL crashed during a
    # large COPY) left the writer hanging there for good.
    await conn.copy_to_table(
        table, source=memoryview(copy_data(rows)), columns=COLUMNS, format="binary"
    )


@dataclass
class Batch:
    generation: str
    records: list[SpoolRecord]
    orphan: Orphan | None = None
    from_queue: bool = False

    @property
    def rows(self) -> int:
        return sum(r.count for r in self.records)


def remember_replayed(orphans: list[Orphan], recent_ids: RecentIds) -> None:
    """Remember the client ids of the newest spooled records before serving again."""
    newest = time.time_ns() // 1000 - REMEMBER_REPLAYED_S * 1_000_000
    for orphan in orphans:
        if not orphan.segments:
            continue
        for record in orphan.reader.read(orphan.segments[-2:][0].first_seq, 1 << 62):
            if record.received_us < newest:
                continue
            for encoded in split_rows(record.rows):
                site_id, client_id = row_site_and_client_id(encoded)
                if client_id:
                    recent_ids.remember(site_id, [client_id])


class Writer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        spool: Spool,
        queue: EventQueue,
        metrics: Metrics,
        orphans: list[Orphan] | None = None,
    ) -> None:
        self.pool = pool
        self.spool = spool
        self.queue = queue
        self.metrics = metrics
        self.orphans = list(orphans or [])
        self.database_reachable = True
        self._next_seq = 1  # of this process's generation: the next record to write
        # A write of this generation failed: read its committed seq before the next one.
        self._recheck = False
        self._oldest_unwritten_us = 0
        self._outage_logged_at = 0.0
        self._task: asyncio.Task | None = None
        self._stopping = False
        # Held while a batch is out and not yet written, so flush() cannot
        # return while the writer task still has one in flight.
        self._busy = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="writer")

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Write what is pending within `timeout_s`; the rest stays in the spool for next time."""
        self._stopping = True
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout_s)
            except TimeoutError:
                log.warning("shutdown: events still unwritten stay in the spool for the next start")
        await self.spool.close()
        for orphan in self.orphans:
            orphan.release()  # not finished: the next start takes it over
        if self.has_work():
            return
        # Files first: a generation without its progress row would be replayed whole.
        self.spool.remove()
        # A leftover row of a generation with no files is harmless.
        with contextlib.suppress(Exception):
            await forget(self.pool, self.spool.generation)

    def has_work(self) -> bool:
        return bool(self.orphans) or len(self.queue) > 0 or self.queue.spilled

    async def flush(self) -> None:
        """Write everything accepted so far (tests, benchmarks); raises if PostgreSQL fails."""
        await self.spool.drained()
        async with self._busy:
            while (batch := await self._next_batch()) is not None:
                try:
                    await self._write(batch)
                except BaseException:
                    self._give_back(batch)
                    raise
                self._written(batch)

    async def _run(self) -> None:
        backoff = 0.0
        batch_started = 0.0
        while True:
            if not self.has_work():
                if self._stopping:
                    await self.spool.drained()
                    if not self.has_work():
                        return
                else:
                    await self.queue.wait(FLUSH_INTERVAL_S)
            elif backoff:
                await self._wait_reporting(backoff)
            elif not (self._stopping or self.orphans or self.queue.ready):
                # Less than a batch waits: let it grow until the interval is up.
                # Each batch costs PostgreSQL a transaction and a WAL flush, so
                # writing whatever came in during the previous write (tens of
                # rows under load) cost more CPU than the rows themselves.
                wait = batch_started + FLUSH_INTERVAL_S - time.monotonic()
                if wait > 0:
                    await self.queue.wait(wait)
            batch_started = time.monotonic()
            async with self._busy:
                batch = None
                try:
                    batch = await self._next_batch()
                    if batch is not None:
                        await self._write(batch)
                        self._written(batch)
                    backoff = 0.0
                    if not self.database_reachable:
                        log.info("PostgreSQL reachable again; writing the spooled backlog")
                    self.database_reachable = True
                except Exception as exc:  # unreachable, restarting, refusing connections...
                    if batch is not None:
                        self._give_back(batch)
                    self.metrics.add("write_errors")
                    if self._stopping:
                        log.warning("shutdown: PostgreSQL unreachable; events stay in the spool")
                        return
                    backoff = min(MAX_BACKOFF_S, max(0.1, backoff * 2))
                    self._log_outage(exc)
                    self.database_reachable = False
                finally:
                    self.report()

    async def _wait_reporting(self, seconds: float) -> None:
        # Gauges stay current during a long backoff (/healthz, /metrics).
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, FLUSH_INTERVAL_S))
            self.report()

    def _log_outage(self, exc: Exception) -> None:
        """One line when the outage starts, then one a minute: not one per retry."""
        now = time.monotonic()
        if self.database_reachable or now - self._outage_logged_at >= OUTAGE_LOG_EVERY_S:
            self._outage_logged_at = now
            log.warning(
                "cannot write to PostgreSQL (%s); events wait in the spool (%d bytes)",
                type(exc).__name__,
                self.spool.bytes,
            )

    async def _next_batch(self) -> Batch | None:
        while self.orphans:
            orphan = self.orphans[0]
            if orphan.next_seq is None:
                orphan.next_seq = await committed_seq(self.pool, orphan.generation) + 1
            records = await asyncio.to_thread(orphan.reader.read, orphan.next_seq, BATCH_ROWS)
            if records:
                return Batch(orphan.generation, records, orphan=orphan)
            await self._finish_orphan(orphan)
        if self._recheck:
            committed = await committed_seq(self.pool, self.spool.generation)
            self._recheck = False
            if committed >= self._next_seq:
                log.warning(
                    "spool: a write that failed had committed after all; records up to %d"
                    " are not written again",
                    committed,
                )
                self._next_seq = committed + 1
                self.spool.trim(committed)
        while len(self.queue):
            # Records before _next_seq are in PostgreSQL (see _recheck): skip them.
            records = [r for r in self.queue.take(BATCH_ROWS) if r.seq >= self._next_seq]
            if records:
                return Batch(self.spool.generation, records, from_queue=True)
        if self.queue.spilled:
            records = await self.spool.read_back(self._next_seq, BATCH_ROWS)
            if records:
                return Batch(self.spool.generation, records)
            if self._next_seq > self.spool.written_seq:
                self.queue.caught_up()
        return None

    async def _finish_orphan(self, orphan: Orphan) -> None:
        orphan.remove()  # files first, then the progress row (see stop())
        await forget(self.pool, orphan.generation)
        self.orphans.pop(0)
        self.spool.other_bytes = sum(o.bytes for o in self.orphans)
        if not self.has_work():
            self._oldest_unwritten_us = 0  # else /healthz kept the replay's age for good
        log.info("spool: replayed generation %s", orphan.generation)

    def _give_back(self, batch: Batch) -> None:
        # Records read from a file are simply read again; queued ones go back in front.
        if batch.from_queue:
            self.queue.put_back(batch.records)
        # The write may have committed all the same, its answer lost: before the
        # generation is written again, its seq in spool_progress is read back.
        if batch.orphan is not None:
            batch.orphan.next_seq = None
        else:
            self._recheck = True
        self._oldest_unwritten_us = batch.records[0].received_us

    def _written(self, batch: Batch) -> None:
        last = batch.records[-1]
        if batch.orphan is not None:
            batch.orphan.next_seq = last.seq + 1
            self.metrics.add("rows_replayed", batch.rows)
        else:
            self._next_seq = last.seq + 1
            self.spool.trim(last.seq)
        self._oldest_unwritten_us = last.received_us if self.has_work() else 0

    def report(self) -> None:
        """Refresh this process's gauges (each turn of the loop, and at every scrape)."""
        oldest = self._oldest_unwritten_us
        if len(self.queue) and not self.orphans:
            oldest = self.queue.head_received_us()
        age = (time.time_ns() // 1000 - oldest) / 1e6 if oldest else 0.0
        self.metrics.set("spool_oldest_age_s", max(age, 0.0))
        self.metrics.set("spool_bytes", self.spool.bytes)
        self.metrics.set("spool_writes", self.spool.writes)
        self.metrics.set("spool_write_seconds", self.spool.write_seconds)
        self.metrics.set("spool_records", self.spool.written_records)
        self.metrics.set("queue_depth", len(self.queue))
        self.metrics.set("database_unreachable", 0 if self.database_reachable else 1)

    async def _write(self, batch: Batch) -> None:
        started = time.perf_counter()
        async with self.pool.acquire() as conn:
            await self._commit(conn, batch)
        self.metrics.observe_batch(batch.rows, time.perf_counter() - started)

    async def _commit(self, conn: asyncpg.Connection, batch: Batch) -> None:
        """The batch's rows and its progress in one transaction, whatever it takes."""
        blobs = [r.rows for r in batch.records]
        last_seq = batch.records[-1].seq
        # A retry's first copy may sit in the next or the previous day's partition.
        careful = near_midnight([r.received_us for r in batch.records])
        partitions_added = False
        for _ in range(3):
            try:
                async with conn.transaction():
                    if careful:
                        written = await copy_new_rows(conn, blobs, copy_rows)
                    else:
                        await copy_rows(conn, blobs)
                        written = batch.rows
                    await record_progress(conn, batch.generation, last_seq)
                self._count_written(written, batch.rows - written)
                return
            except asyncpg.UniqueViolationError:
                # An id of the batch is stored already (a retry that reached
                # another node, or a replay of what one stored): new rows only.
                careful = True
            except asyncpg.CheckViolationError as exc:
                if partitions_added or "no partition" not in str(exc):
                    break
                await self._add_partitions(conn, blobs)
                partitions_added = True
            except _ROW_REFUSED as exc:
                log.warning("batch refused (%s); isolating the bad rows", type(exc).__name__)
                break
        rows = [row for blob in blobs for row in split_rows(blob)]
        async with conn.transaction():
            written, refused = await self._isolate(conn, rows)
            await record_progress(conn, batch.generation, last_seq)
        self._count_written(written, len(rows) - written - refused)

    def _count_written(self, written: int, repeated: int) -> None:
        self.metrics.add("rows_written", written)
        if repeated:
            self.metrics.add("dropped:duplicate", repeated)
            log.info("%d events were stored already (a retry on another node); not again", repeated)

    async def _isolate(self, conn: asyncpg.Connection, rows: list[bytes]) -> tuple[int, int]:
        """Write what PostgreSQL accepts, bisecting; drop only rows refused alone.
        Returns the rows written and the rows refused."""
        self.metrics.add("write_errors")
        if len(rows) == 1:
            self.metrics.add("dropped:write_failed")
            log.warning("dropped one event PostgreSQL refused")
            return 0, 1
        middle, written, refused = len(rows) // 2, 0, 0
        for half in (rows[:middle], rows[middle:]):
            try:
                async with conn.transaction():  # a savepoint: a failure undoes this half only
                    written += await copy_new_rows(conn, half, copy_rows)
            except _ROW_REFUSED:
                more_written, more_refused = await self._isolate(conn, half)
                written, refused = written + more_written, refused + more_refused
        return written, refused

    async def _add_partitions(self, conn: asyncpg.Connection, blobs: list[bytes]) -> None:
        # Only the days present: a range from the oldest to the newest could
        # fill years of empty partitions for one odd row.
        created = []
        days = {
            datetime.fromtimestamp(row_epoch_us(r) / 1e6, UTC).date()
            for blob in blobs
            for r in split_rows(blob)
        }
        for day in sorted(days):
            created += await ensure_partitions(conn, day, day)
        log.info("created partitions on demand: %s", ", ".join(created) or "none")
