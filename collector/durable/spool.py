"""Spool: the write-ahead log that turns a 202 into a promise.

Every accepted request's rows are appended here before the answer goes out.
With PEIL_DURABILITY=fsync the answer also waits for the fdatasync covering
them; the requests that arrive while one sync runs share the next one (group
commit), so the cost is one sync per few milliseconds, not one per request.
The group is written from the event loop (into the page cache) and synced by
a helper process (syncer.py), never by a thread.
With `memory` the answer does not wait: the rows reach the file a moment
later, a crash of the process may lose that moment, an OS crash what the
page cache held.

Once written, records go on to the queue (queue.py) and the writer
(writer.py), which commits each batch together with the highest sequence
number it holds (table spool_progress) and then trims whole segments here.
When PostgreSQL is away the spool simply grows; the writer reads the backlog
back from disk when the in-memory queue cannot hold it. Only at
PEIL_SPOOL_MAX_MB does ingest answer 503.

On disk, PEIL_DATA_DIR/spool/<generation>/ is one process lifetime's log: a
`lock` file its owner holds with flock, and segment files named by their
first sequence number. A record is one request's rows:

    u32 rows length | u32 crc32 of the rest | u64 seq | i64 received_us | u32 row count | rows

A generation whose process died (kill -9, power loss) is an orphan; the next
process to start claims its lock, replays the records PostgreSQL does not
have yet, and deletes it. A torn record at the end of a segment was never
acknowledged (its sync never finished) and is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import shutil
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from struct import Struct
from typing import NamedTuple

from collector.durable.syncer import Syncer

log = logging.getLogger(__name__)

SEGMENT_BYTES = 16 * 1024 * 1024
_HEAD = Struct("<II")  # rows length, crc32
_TAIL = Struct("<QqI")  # seq, received_us, row count
HEADER_BYTES = _HEAD.size + _TAIL.size
_SEGMENT_SUFFIX = ".seg"
FULL_MARGIN_BYTES = 256 * 1024  # a 64 KiB body of 200 events encodes to less


class SpoolFull(Exception):
    """The spool is at its size cap: the request is answered 503."""


class SpoolRecord(NamedTuple):
    seq: int
    received_us: int
    count: int  # rows
    rows: bytes  # encoded COPY rows (copy_format.row), concatenated


def encode_record(record: SpoolRecord) -> bytes:
    tail = _TAIL.pack(record.seq, record.received_us, record.count)
    crc = zlib.crc32(record.rows, zlib.crc32(tail))
    return _HEAD.pack(len(record.rows), crc) + tail + record.rows


@dataclass
class Segment:
    first_seq: int
    path: Path
    size: int  # bytes that are complete records (the open segment grows)
    closed: bool = True


def segment_path(directory: Path, first_seq: int) -> Path:
    return directory / f"{first_seq:016d}{_SEGMENT_SUFFIX}"


def list_segments(directory: Path) -> list[Segment]:
    segments = []
    for path in directory.glob(f"*{_SEGMENT_SUFFIX}"):
        try:
            segments.append(Segment(int(path.stem), path, path.stat().st_size))
        except (ValueError, FileNotFoundError):
            continue
    return sorted(segments, key=lambda s: s.first_seq)


def read_segment(
    segment: Segment, offset: int, from_seq: int, max_rows: int, upto_seq: int | None
) -> tuple[list[SpoolRecord], int, bool]:
    """Records with seq >= from_seq from `offset` on, until about max_rows rows.

    Returns the records, the offset after the last one read, and whether the
    segment's end (or a torn or corrupt record, which ends it too) was reached.
    Records before from_seq are skipped by their header alone.
    """
    records: list[SpoolRecord] = []
    rows = 0
    with open(segment.path, "rb") as f:
        f.seek(offset)
        while rows < max_rows:
            if offset + HEADER_BYTES > segment.size:
                return records, offset, True
            header = f.read(HEADER_BYTES)
            length, crc = _HEAD.unpack_from(header)
            seq, received_us, count = _TAIL.unpack_from(header, _HEAD.size)
            end = offset + HEADER_BYTES + length
            if end > segment.size:
                return records, offset, True  # torn: never acknowledged
            if upto_seq is not None and seq > upto_seq:
                return records, offset, False
            if seq < from_seq:
                f.seek(length, os.SEEK_CUR)
                offset = end
                continue
            data = f.read(length)
            if zlib.crc32(data, zlib.crc32(header[_HEAD.size :])) != crc:
                log.error(
                    "spool: corrupt record in %s at byte %d; rest ignored", segment.path, offset
                )
                return records, offset, True
            records.append(SpoolRecord(seq, received_us, count, data))
            rows += count
            offset = end
    return records, offset, False


class SpoolReader:
    """Reads one generation's records in order, resuming where the last read ended."""

    def __init__(self, segments: Callable[[], list[Segment]]) -> None:
        self._segments = segments
        self._next: tuple[int, int, int] | None = None  # (seq, segment first_seq, offset)

    def read(self, from_seq: int, max_rows: int, upto_seq: int | None = None) -> list[SpoolRecord]:
        """Blocking file reads: call it in a thread."""
        segments = [s for s in self._segments() if s.size]
        if self._next is not None and self._next[0] == from_seq:
            _, first, offset = self._next
        else:
            starts = [s.first_seq for s in segments if s.first_seq <= from_seq]
            first, offset = (max(starts) if starts else 0), 0
        records: list[SpoolRecord] = []
        for segment in segments:
            if segment.first_seq < first:
                continue
            if segment.first_seq > first:
                offset = 0
            got, offset, at_end = read_segment(
                segment, offset, from_seq, max_rows - sum(r.count for r in records), upto_seq
            )
            records += got
            first = segment.first_seq
            if got:
                from_seq = got[-1].seq + 1
            if not at_end or not segment.closed:
                break
        self._next = (from_seq, first, offset)
        return records


class Orphan:
    """A generation left by a process that died, claimed for replay by this one."""

    def __init__(self, directory: Path, lock_fd: int) -> None:
        self.directory = directory
        self.generation = directory.name
        self._lock_fd = lock_fd
        self.segments = list_segments(directory)
        self.reader = SpoolReader(lambda: self.segments)
        # The next record to replay; None: read spool_progress first (at the
        # start, and after a failed write, which may have committed after all).
        self.next_seq: int | None = None

    @property
    def bytes(self) -> int:
        return sum(s.size for s in self.segments)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.release()

    def release(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1


def _try_lock(directory: Path) -> int | None:
    fd = os.open(directory / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def claim_orphans(root: Path) -> list[Orphan]:
    """Generations in `root` no live process holds, now locked by this one."""
    orphans = []
    for directory in sorted(root.iterdir()) if root.is_dir() else ():
        if not directory.is_dir():
            continue
        fd = _try_lock(directory)
        if fd is None:
            continue  # a live process's generation
        if directory.name.startswith("."):  # one that died before it was named: empty
            shutil.rmtree(directory, ignore_errors=True)
            os.close(fd)
            continue
        orphans.append(Orphan(directory, fd))
    return orphans


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    """This process's generation: appends, group commit, trimming, reading back."""

    def __init__(
        self,
        root: Path,
        *,
        fsync: bool,
        max_bytes: int,
        on_written: Callable[[list[SpoolRecord]], None],
    ) -> None:
        self.root = root
        self.fsync = fsync
        self.max_bytes = max_bytes
        self.generation = uuid.uuid4().hex
        self.directory = root / self.generation
        self._on_written = on_written
        self._segments: list[Segment] = []
        self._fd = -1
        self._lock_fd = -1
        self._torn = False  # the open segment ends in a partial record: start a new one
        self.next_seq = 1
        self.written_seq = 0  # every record up to this one is in the file
        self._pending = bytearray()
        self._pending_records: list[SpoolRecord] = []
        self._waiters: list[asyncio.Future] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task | None = None
        self.disk_bytes = 0
        # For /metrics: group writes (each one fdatasync with fsync), their
        # time, and the records they carried (records / writes = group size).
        self.writes = 0
        self.write_seconds = 0.0
        self.written_records = 0
        self.other_bytes = 0  # orphans being replayed count against the cap too
        self.reader = SpoolReader(lambda: self._segments)
        self.syncer = Syncer() if fsync else None

    def open(self) -> None:
        # Locked before it gets its name, so no other starting process takes
        # it for an orphan (claim_orphans skips dot names).
        building = self.root / f".{self.generation}"
        building.mkdir(parents=True)
        self._lock_fd = _try_lock(building)
        building.rename(self.directory)
        if self.fsync:
            _sync_directory(self.root)
        self._open_segment(self.next_seq)
        if self.syncer is not None:
            self.syncer.start()
        self._task = asyncio.create_task(self._flush_loop(), name="spool")

    @property
    def bytes(self) -> int:
        return self.disk_bytes + len(self._pending) + self.other_bytes

    @property
    def full(self) -> bool:
        """Not room for one more request of the largest size."""
        return self.bytes + FULL_MARGIN_BYTES > self.max_bytes

    def append(self, received_us: int, count: int, rows: bytes) -> asyncio.Future | None:
        """Add one request's rows; a future that resolves when they are durable (fsync mode).

        Raises SpoolFull at the cap, OSError-derived failures surface on the future.
        """
        if self.bytes + HEADER_BYTES + len(rows) > self.max_bytes:
            raise SpoolFull
        record = SpoolRecord(self.next_seq, received_us, count, rows)
        self.next_seq += 1
        self._pending += encode_record(record)
        self._pending_records.append(record)
        self._idle.clear()
        self._wake.set()
        if not self.fsync:
            return None
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter

    async def drained(self) -> None:
        """Until everything appended so far is in the file and handed on."""
        await self._idle.wait()

    async def close(self) -> None:
        """Write what is pending, stop the flusher, release the lock (the files stay)."""
        await self.drained()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self.syncer is not None:
            self.syncer.close()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

    def remove(self) -> None:
        """Delete this generation's files (after close, once PostgreSQL has every record)."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self._segments, self.disk_bytes = [], 0

    def trim(self, committed_seq: int) -> None:
        """Delete the segments whose records are all in PostgreSQL.

        The open segment too, when everything is written and no write is in
        flight (so a quiet collector's spool is empty, not up to a segment).
        """
        while len(self._segments) > 1 and self._segments[1].first_seq - 1 <= committed_seq:
            self._delete(self._segments.pop(0))
        if committed_seq >= self.written_seq and self._idle.is_set() and self._segments[-1].size:
            os.close(self._fd)
            self._fd = -1
            self._delete(self._segments.pop())
            self._open_segment(self.next_seq)

    def _delete(self, segment: Segment) -> None:
        segment.path.unlink(missing_ok=True)
        self.disk_bytes -= segment.size

    async def read_back(self, from_seq: int, max_rows: int) -> list[SpoolRecord]:
        """Records from `from_seq` on that are already in the file (the spilled backlog)."""
        return await asyncio.to_thread(self.reader.read, from_seq, max_rows, self.written_seq)

    async def _flush_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                data, records, waiters = self._pending, self._pending_records, self._waiters
                self._pending, self._pending_records, self._waiters = bytearray(), [], []
                started = time.perf_counter()
                try:
                    # Into the page cache, from the loop: no thread hop. With fsync
                    # no group is written while the previous one's sync runs, so a
                    # slow disk stalls the sync (in the helper), not this write.
                    self._write(data)
                    if self.syncer is not None:
                        await self._sync_or_take_back(len(data))
                except OSError as exc:
                    log.error("spool: cannot write %d records (%s)", len(records), exc.strerror)
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_exception(OSError(exc.errno, "the spool cannot be written"))
                else:
                    self.write_seconds += time.perf_counter() - started
                    self.writes += 1
                    self.written_records += len(records)
                    self.written_seq = records[-1].seq
                    for waiter in waiters:
                        if not waiter.done():
                            waiter.set_result(None)
                    self._on_written(records)
                if self._torn or self._segments[-1].size >= SEGMENT_BYTES:
                    with contextlib.suppress(OSError):  # retried after the next group
                        await asyncio.to_thread(self._open_segment, self._first_unwritten())
            self._idle.set()

    def _first_unwritten(self) -> int:
        # Sequence numbers of a group that failed are never used again.
        return self._pending_records[0].seq if self._pending_records else self.next_seq

    def _write(self, data: bytes | bytearray) -> None:
        segment = self._segments[-1]
        view = memoryview(data)
        try:
            written = 0
            while written < len(view):  # O_APPEND; a short write continues where it stopped
                written += os.write(self._fd, view[written:])
        except OSError:
            self._cut_back_to(segment.size)
            raise
        segment.size += len(data)
        self.disk_bytes += len(data)

    async def _sync_or_take_back(self, group_bytes: int) -> None:
        """The group's fdatasync (syncer.py); if it fails, the group is cut off the log again."""
        segment = self._segments[-1]
        try:
            await self.syncer.sync(segment.path)
        except OSError:
            segment.size -= group_bytes
            self.disk_bytes -= group_bytes
            self._cut_back_to(segment.size)
            raise

    def _cut_back_to(self, size: int) -> None:
        # A group that failed must not stay in the middle of the log as records
        # nobody acknowledged: cut it off, or at least start a new segment after it.
        try:
            os.ftruncate(self._fd, size)
        except OSError:
            self._torn = True

    def _open_segment(self, first_seq: int) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._segments[-1].closed = True
        path = segment_path(self.directory, first_seq)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if self.fsync:
            _sync_directory(self.directory)  # the new file's name must survive a crash too
        self._segments.append(Segment(first_seq, path, 0, closed=False))
        self._torn = False
