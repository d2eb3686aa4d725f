"""The writer: COPY batches, partitions created on demand, and a poison row
that PostgreSQL refuses never blocks the rows beside it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from collector.db.partitions import list_partitions
from collector.durable.writer import BATCH_ROWS, FLUSH_INTERVAL_S
from tests.support.rows import lose_the_first_commit_answer, row
from tests.support.spooling import spooled_writer, submit
from tests.support.wait import eventually_async


@pytest.fixture
async def writer(database_url, tmp_path):
    async with spooled_writer(database_url, tmp_path) as writer:
        yield writer


async def test_day_without_partition_is_created_not_lost(writer, db, site):
    day = datetime(2041, 3, 4, 12, tzinfo=UTC)
    assert day.date() not in await list_partitions(db)
    marker = uuid.uuid4().hex
    await submit(writer, [row(site["id"], day, marker)])
    await writer.flush()
    assert (
        await db.fetchval(
            "SELECT tableoid::regclass::text FROM events WHERE client_id = $1", marker
        )
        == "events_20410304"
    )
    assert writer.metrics.total("rows_written") == 1


async def test_poison_row_is_dropped_alone(writer, db, site):
    now = datetime.now(UTC)
    markers = [uuid.uuid4().hex for _ in range(9)]
    rows = [row(site["id"], now, m) for m in markers]
    rows[4] = row(site["id"], now, markers[4], ip="not-an-address")
    await submit(writer, rows, per_record=3)
    await writer.flush()
    stored = {
        r["client_id"]
        for r in await db.fetch("SELECT client_id FROM events WHERE client_id = ANY($1)", markers)
    }
    assert stored == set(markers) - {markers[4]}
    assert writer.metrics.total("dropped:write_failed") == 1
    assert writer.metrics.total("rows_written") == 8


async def test_stop_writes_everything_queued(writer, db, site):
    markers = [uuid.uuid4().hex for _ in range(12_000 // 4)]
    now = datetime.now(UTC)
    writer.start()
    await submit(writer, [row(site["id"], now, m) for m in markers])
    await writer.stop()
    assert await db.fetchval(
        "SELECT count(*) FROM events WHERE client_id = ANY($1)", markers
    ) == len(markers)
    assert len(writer.queue) == 0


async def test_a_backlog_is_written_without_waiting_for_the_interval(writer, db, site):
    # Several batches are queued at once: the writer must go straight from one
    # to the next, not sleep FLUSH_INTERVAL_S between them.
    now = datetime.now(UTC)
    markers = [uuid.uuid4().hex for _ in range(4 * BATCH_ROWS)]
    await submit(writer, [row(site["id"], now, m) for m in markers])
    writer.start()
    started = asyncio.get_running_loop().time()
    await eventually_async(
        lambda: writer.metrics.total("rows_written") >= len(markers), what="every row written"
    )
    assert asyncio.get_running_loop().time() - started < 3 * FLUSH_INTERVAL_S
    await writer.stop()


@pytest.mark.parametrize("spilled", [False, True], ids=["queued", "read-back"])
async def test_a_commit_whose_answer_was_lost_is_not_written_again(
    database_url, tmp_path, db, site, spilled
):
    # PostgreSQL crashed (or the connection broke) after the COMMIT, before its
    # answer: the batch is in, and retrying it blindly would store it twice.
    now = datetime.now(UTC)
    markers = [uuid.uuid4().hex for _ in range(2 * BATCH_ROWS)]
    queue_max = 1 if spilled else 10 * BATCH_ROWS
    async with spooled_writer(database_url, tmp_path, queue_max=queue_max) as writer:
        commits = lose_the_first_commit_answer(writer)
        await submit(writer, [row(site["id"], now, m) for m in markers])
        assert writer.queue.spilled == spilled
        with pytest.raises(asyncpg.ConnectionDoesNotExistError):
            await writer.flush()
        await writer.flush()
    found = await db.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT client_id) AS d FROM events"
        " WHERE client_id = ANY($1)",
        markers,
    )
    assert (found["n"], found["d"]) == (len(markers), len(markers))
    assert len(commits) == 2  # the lost one and the rest: the first batch was not sent again


async def test_a_stream_of_small_requests_is_written_once_per_interval(writer, db, site):
    # Each batch costs PostgreSQL a transaction and a WAL flush: rows that
    # keep arriving a few at a time are gathered for FLUSH_INTERVAL_S, not
    # written whenever the previous write returns (tens of rows under load).
    now = datetime.now(UTC)
    markers: list[str] = []
    writer.start()
    loop = asyncio.get_running_loop()
    started = loop.time()
    while loop.time() - started < 1.0:
        marker = uuid.uuid4().hex
        await submit(writer, [row(site["id"], now, marker)])
        markers.append(marker)
    elapsed = loop.time() - started
    await eventually_async(
        lambda: writer.metrics.total("rows_written") >= len(markers), what="every row written"
    )
    assert len(markers) > 100  # a stream, not a trickle
    assert writer.metrics.total("batches") <= elapsed / FLUSH_INTERVAL_S + 2
    assert await db.fetchval(
        "SELECT count(*) FROM events WHERE client_id = ANY($1)", markers
    ) == len(markers)
    await writer.stop()
