"""The writer: COPY batches, partitions created on demand, and a poison row
that PostgreSQL refuses never blocks the rows beside it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from collector.db.partitions import list_partitions
from collector.ingest.copy_format import NULL, bigint, integer, smallint, text
from collector.ingest.copy_format import row as encode_row
from collector.ingest.writer import BATCH_ROWS, FLUSH_INTERVAL_S
from tests.ingest.spooling import spooled_writer, submit


def row(site_id: int, ts: datetime, client_id: str, ip: str | None = None) -> bytes:
    """A pageview row as the pipeline encodes it (ip as text, to make a poison row)."""
    event = smallint(1) + text(client_id) + NULL * 12
    request = integer(site_id) + bigint(1) + NULL * 18 + text(ip)
    return encode_row(int(ts.timestamp() * 1_000_000), 0, event, request)


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
    while writer.metrics.total("rows_written") < len(markers):
        await asyncio.sleep(0.01)
    assert asyncio.get_running_loop().time() - started < 3 * FLUSH_INTERVAL_S
    await writer.stop()
