"""The spool on its own: records survive as written, a torn or corrupt tail is
ignored, segments rotate and are trimmed, spilled records are read back in
order, and only generations no live process holds are claimed as orphans."""

from __future__ import annotations

import asyncio

import pytest

from collector.durable import spool as spool_module
from collector.durable.queue import EventQueue
from collector.durable.spool import (
    HEADER_BYTES,
    Spool,
    SpoolFull,
    SpoolRecord,
    claim_orphans,
    list_segments,
)
from tests.support.spooling import open_spool


def payload(i: int) -> bytes:
    return f"row-{i:05d}|".encode() * 3


async def append_all(spool: Spool, count: int, start: int = 0) -> None:
    waiters = [spool.append(1_000 + i, 3, payload(i)) for i in range(start, start + count)]
    await asyncio.gather(*(w for w in waiters if w is not None))


@pytest.fixture
async def queue():
    return EventQueue(capacity=1_000_000, wake_at=10**9)


@pytest.fixture
async def spool(tmp_path, queue):
    spool = open_spool(tmp_path, queue)
    yield spool
    await spool.close()


def read_orphan(tmp_path) -> list[SpoolRecord]:
    [orphan] = claim_orphans(tmp_path)
    try:
        return orphan.reader.read(1, 1 << 30)
    finally:
        orphan.release()


async def test_appended_records_are_read_back_as_written(spool, tmp_path):
    await append_all(spool, 50)
    assert spool.written_seq == 50
    await spool.close()
    records = read_orphan(tmp_path)
    assert [r.seq for r in records] == list(range(1, 51))
    assert records[7] == SpoolRecord(8, 1_007, 3, payload(7))


async def test_written_records_are_handed_to_the_queue_in_order(spool, queue):
    await append_all(spool, 30)
    await spool.drained()
    assert [r.seq for r in queue.take(10**9)] == list(range(1, 31))


async def test_one_sync_covers_many_requests(spool):
    await append_all(spool, 200)  # appended in one go: they share the syncs
    assert spool.written_seq == 200
    assert 1 <= spool.writes <= 2  # group writes, each one fdatasync in fsync mode


async def test_memory_mode_answers_without_waiting_and_still_writes(tmp_path):
    spool = open_spool(tmp_path, fsync=False)
    assert spool.append(1, 1, b"x") is None
    await spool.close()
    assert [r.rows for r in read_orphan(tmp_path)] == [b"x"]


async def test_torn_last_record_is_ignored(spool, tmp_path):
    await append_all(spool, 5)
    await spool.close()
    [segment] = list_segments(spool.directory)
    with open(segment.path, "ab") as f:
        f.write(b"\x30\x00\x00\x00" + b"\x00" * 10)  # a header cut short by a crash
    assert [r.seq for r in read_orphan(tmp_path)] == [1, 2, 3, 4, 5]


async def test_a_corrupt_record_ends_the_segment(spool, tmp_path, caplog):
    await append_all(spool, 5)
    await spool.close()
    [segment] = list_segments(spool.directory)
    record_size = HEADER_BYTES + len(payload(0))
    with open(segment.path, "r+b") as f:
        f.seek(3 * record_size + HEADER_BYTES + 2)  # inside the 4th record's rows
        f.write(b"#")
    assert [r.seq for r in read_orphan(tmp_path)] == [1, 2, 3]
    assert "corrupt record" in caplog.text


async def test_segments_rotate_and_written_ones_are_trimmed(spool, monkeypatch):
    monkeypatch.setattr(spool_module, "SEGMENT_BYTES", 4 * (HEADER_BYTES + len(payload(0))))
    for i in range(20):  # one at a time, so each group is one record
        await append_all(spool, 1, start=i)
    await spool.drained()  # the rotation after the last group
    segments = list_segments(spool.directory)
    assert [s.first_seq for s in segments] == [1, 5, 9, 13, 17, 21]
    size_before = spool.bytes
    spool.trim(10)  # segments up to seq 8 are wholly written; 9-12 is not
    assert [s.first_seq for s in list_segments(spool.directory)] == [9, 13, 17, 21]
    assert spool.bytes == size_before - 8 * (HEADER_BYTES + len(payload(0)))
    spool.trim(20)  # all written and nothing in flight: the open segment goes too
    assert spool.bytes == 0
    assert [s.first_seq for s in list_segments(spool.directory)] == [21]
    await append_all(spool, 1, start=20)
    assert [r.seq for r in await spool.read_back(21, 10)] == [21]


async def test_read_back_resumes_across_segments(spool, monkeypatch):
    monkeypatch.setattr(spool_module, "SEGMENT_BYTES", 4 * (HEADER_BYTES + len(payload(0))))
    for i in range(14):
        await append_all(spool, 1, start=i)
    got = []
    next_seq = 3
    while batch := await spool.read_back(next_seq, max_rows=7):  # 3 rows each: 3 records
        got += batch
        next_seq = batch[-1].seq + 1
    assert [r.seq for r in got] == list(range(3, 15))
    assert [r.rows for r in got] == [payload(i) for i in range(2, 14)]


async def test_the_cap_refuses_with_spool_full(tmp_path):
    spool = open_spool(tmp_path, max_bytes=10 * (HEADER_BYTES + 100))
    try:
        for _ in range(10):
            spool.append(1, 1, b"r" * 100)
        with pytest.raises(SpoolFull):
            spool.append(1, 1, b"r" * 100)
    finally:
        await spool.close()


async def test_only_generations_without_a_live_owner_are_claimed(tmp_path):
    live = open_spool(tmp_path)
    dead = open_spool(tmp_path)
    await append_all(dead, 3)
    await dead.close()  # releases its lock, as a process death would
    half_made = tmp_path / ".0123"  # died between mkdir and rename: holds nothing
    half_made.mkdir()
    try:
        orphans = claim_orphans(tmp_path)
        assert [o.generation for o in orphans] == [dead.generation]
        assert not half_made.exists()
        # Claimed: a second process starting now cannot take it as well.
        assert claim_orphans(tmp_path) == []
        for orphan in orphans:
            orphan.release()
    finally:
        await live.close()
