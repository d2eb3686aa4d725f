"""Exactly once across nodes (collector/durable/exactly_once.py): writers with
spools of their own on one PostgreSQL, as `peil serve` nodes are. A client id
stored by one is not stored again by another, nor by a replay of a dead
node's spool, nor when two commit it at the same moment, nor when the two
copies fall on either side of a UTC midnight; rows without an id are all
kept; the partitions' id indexes go once a partition is ID_INDEX_DAYS old."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from collector.db.partitions import (
    ID_INDEX_DAYS,
    client_id_index_name,
    ensure_partitions,
    ensure_partitions_ahead,
)
from collector.durable.exactly_once import TWIN_SPAN_S, near_midnight
from collector.durable.spool import claim_orphans
from collector.durable.writer import copy_rows
from tests.support.rows import row
from tests.support.spooling import spooled_writer, submit


async def stored(db: asyncpg.Connection, ids: list[str]) -> list[str]:
    rows = await db.fetch("SELECT client_id FROM events WHERE client_id = ANY($1)", ids)
    return sorted(r[0] for r in rows)


def markers(n: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(n)]


async def append(writer, rows: list[bytes], received: datetime) -> None:
    """One spool record received at `received` (as the handlers append one request)."""
    durable = writer.spool.append(int(received.timestamp() * 1e6), len(rows), b"".join(rows))
    if durable is not None:
        await durable


async def test_an_id_stored_by_one_node_is_not_stored_by_the_other(
    db, database_url, tmp_path, site
):
    now = datetime.now(UTC)
    ids = markers(30)
    async with (
        spooled_writer(database_url, tmp_path / "a") as a,
        spooled_writer(database_url, tmp_path / "b") as b,
    ):
        await submit(a, [row(site["id"], now, x) for x in ids[:20]])
        await a.flush()
        # A client retried 10 of them on node b, with 10 new ones.
        await submit(b, [row(site["id"], now, x) for x in ids[10:]])
        await b.flush()
        assert await stored(db, ids) == sorted(ids)
        assert a.metrics.total("rows_written") == 20
        assert b.metrics.total("rows_written") == 10
        assert b.metrics.total("dropped:duplicate") == 10


async def test_a_dead_nodes_replay_does_not_repeat_what_the_retry_stored(
    db, database_url, tmp_path, site
):
    # Node a spooled a request and died before writing (or answering) it; the
    # client retried on node b, which stored it; then node a starts again and
    # replays its spool.
    now = datetime.now(UTC)
    ids = markers(20)
    async with spooled_writer(database_url, tmp_path / "a") as dead:
        await submit(dead, [row(site["id"], now, x) for x in ids])
        generation = dead.spool.generation  # closed without remove(): as after kill -9
    async with spooled_writer(database_url, tmp_path / "b") as b:
        await submit(b, [row(site["id"], now, x) for x in ids])
        await b.flush()
    orphans = claim_orphans(tmp_path / "a")
    assert [o.generation for o in orphans] == [generation]
    async with spooled_writer(database_url, tmp_path / "a", orphans=orphans) as restarted:
        await restarted.flush()
        assert restarted.metrics.total("dropped:duplicate") == 20
        assert restarted.metrics.total("rows_written") == 0
    assert await stored(db, ids) == sorted(ids)


async def test_an_id_twice_in_one_batch_is_stored_once_and_rows_without_ids_all(
    db, database_url, tmp_path, site
):
    now = datetime.now(UTC)
    ids = markers(3)
    no_id = await db.fetchval("SELECT count(*) FROM events WHERE client_id IS NULL")
    async with spooled_writer(database_url, tmp_path) as writer:
        rows = [row(site["id"], now, x) for x in [*ids, ids[0], ids[0]]]
        await submit(writer, rows + [row(site["id"], now)] * 3)
        await writer.flush()
        assert writer.metrics.total("dropped:duplicate") == 2
        assert writer.metrics.total("rows_written") == 6
    assert await stored(db, ids) == sorted(ids)
    assert await db.fetchval("SELECT count(*) FROM events WHERE client_id IS NULL") == no_id + 3


async def test_two_nodes_committing_the_same_id_at_once_store_it_once(
    db, database_url, tmp_path, site
):
    now = datetime.now(UTC)
    ids = markers(5)
    first = await asyncpg.connect(database_url)
    try:
        one = first.transaction()
        await one.start()
        await copy_rows(first, [row(site["id"], now, x) for x in ids])  # not committed yet
        async with spooled_writer(database_url, tmp_path) as other:
            await submit(other, [row(site["id"], now, x) for x in ids[2:] + markers(2)])
            racing = asyncio.create_task(other.flush())
            await asyncio.sleep(0.5)
            assert not racing.done(), "the second COPY must wait for the first transaction"
            await one.commit()
            await asyncio.wait_for(racing, 10)
            assert other.metrics.total("dropped:duplicate") == 3
            assert other.metrics.total("rows_written") == 2
    finally:
        await first.close()
    assert sorted(set(await stored(db, ids))) == await stored(db, ids) == sorted(ids)


async def test_copies_on_either_side_of_a_midnight_are_one_event(db, database_url, tmp_path, site):
    midnight = datetime(2040, 6, 2, tzinfo=UTC)
    ids = markers(4)
    async with (
        spooled_writer(database_url, tmp_path / "a") as a,
        spooled_writer(database_url, tmp_path / "b") as b,
    ):
        before = midnight - timedelta(seconds=20)
        await append(a, [row(site["id"], before, x) for x in ids], before)
        await a.flush()
        # The retry came 40 s later, after midnight: the other day's partition.
        after = midnight + timedelta(seconds=20)
        await append(b, [row(site["id"], after, x) for x in ids[1:]], after)
        await b.flush()
        assert b.metrics.total("dropped:duplicate") == 3
    days = await db.fetch(
        "SELECT DISTINCT tableoid::regclass::text AS p FROM events WHERE client_id = ANY($1)", ids
    )
    assert [d["p"] for d in days] == ["events_20400601"]
    assert await stored(db, ids) == sorted(ids)


def test_near_midnight_covers_the_twin_span_on_both_sides():
    midnight = datetime(2040, 6, 2, tzinfo=UTC)

    def at(seconds: float) -> list[int]:
        return [int((midnight + timedelta(seconds=seconds)).timestamp() * 1e6)]

    assert near_midnight(at(-TWIN_SPAN_S + 1)) and near_midnight(at(TWIN_SPAN_S))
    assert not near_midnight(at(-TWIN_SPAN_S - 60)) and not near_midnight(at(6 * 3600))
    assert near_midnight(at(6 * 3600) + at(30))


async def test_id_indexes_go_once_a_partition_is_old(db, site):
    today = datetime.now(UTC).date()
    old, recent = today - timedelta(days=ID_INDEX_DAYS + 1), today - timedelta(days=1)
    await ensure_partitions(db, old, old)
    await ensure_partitions(db, recent, recent)
    assert await has_index(db, old) and await has_index(db, recent)
    await ensure_partitions_ahead(db)
    assert not await has_index(db, old)
    assert await has_index(db, recent) and await has_index(db, today)


async def has_index(db: asyncpg.Connection, day: date) -> bool:
    return await db.fetchval("SELECT to_regclass($1) IS NOT NULL", client_id_index_name(day))
