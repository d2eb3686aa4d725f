"""Exactly once across nodes (collector/durable/exactly_once.py): two writers
with spools of their own on one PostgreSQL, as two `peil serve` nodes are.
A client id stored by one is not stored again by the other, nor by a replay
of a dead node's spool, nor when both commit it at the same moment; ids are
remembered across one rotation of the slots and forgotten after two."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from collector.durable.copy_format import copy_data
from collector.durable.exactly_once import claim_ids, rotate_if_due
from collector.durable.spool import claim_orphans
from collector.durable.writer import COLUMNS, copy_rows
from tests.support.rows import row
from tests.support.spooling import spooled_writer, submit


async def stored(db: asyncpg.Connection, ids: list[str]) -> list[str]:
    rows = await db.fetch("SELECT client_id FROM events WHERE client_id = ANY($1)", ids)
    return sorted(r[0] for r in rows)


def markers(n: int) -> list[str]:
    return [uuid.uuid4().hex for _ in range(n)]


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
    # Node a spooled a request and died before its writer wrote it (and before
    # it answered); the client retried on node b, which stored it; then node a
    # starts again and replays its spool.
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


async def test_an_id_twice_in_one_batch_is_stored_once(db, database_url, site):
    now = datetime.now(UTC)
    ids = markers(3)
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            await copy_rows(conn, [row(site["id"], now, x) for x in [*ids, ids[0], ids[0]]])
            assert await claim_ids(conn) == 2
    finally:
        await conn.close()
    assert await stored(db, ids) == sorted(ids)


async def test_two_nodes_committing_the_same_id_at_once_store_it_once(db, database_url, site):
    now = datetime.now(UTC)
    ids = markers(5)
    first = await asyncpg.connect(database_url)
    second = await asyncpg.connect(database_url)
    try:
        one = first.transaction()
        await one.start()
        await copy_rows(first, [row(site["id"], now, x) for x in ids])
        assert await claim_ids(first) == 0  # not committed yet

        async def other_node() -> int:
            async with second.transaction():
                await copy_rows(second, [row(site["id"], now, x) for x in ids[2:]])
                return await claim_ids(second)

        racing = asyncio.create_task(other_node())
        await asyncio.sleep(0.3)
        assert not racing.done(), "the second claim must wait for the first transaction"
        await one.commit()
        assert await asyncio.wait_for(racing, 10) == 3
    finally:
        await first.close()
        await second.close()
    assert await stored(db, ids) == sorted(ids)


async def test_a_first_copy_rolled_back_leaves_the_id_free(db, database_url, site):
    now = datetime.now(UTC)
    ids = markers(4)
    conn = await asyncpg.connect(database_url)
    try:
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                await copy_rows(conn, [row(site["id"], now, x) for x in ids])
                await claim_ids(conn)
                raise RuntimeError("the batch's COMMIT never happened")
        async with conn.transaction():
            await copy_rows(conn, [row(site["id"], now, x) for x in ids])
            assert await claim_ids(conn) == 0
    finally:
        await conn.close()
    assert await stored(db, ids) == sorted(ids)


async def test_ids_outlive_one_rotation_and_not_two(db, database_url, site):
    now = datetime.now(UTC)
    ids = markers(2)
    conn = await asyncpg.connect(database_url)

    async def write(client_ids: list[str]) -> int:
        async with conn.transaction():
            await copy_rows(conn, [row(site["id"], now, x) for x in client_ids])
            return await claim_ids(conn)

    try:
        assert await write(ids) == 0
        assert not await rotate_if_due(conn, every_s=3600)  # not due yet
        assert await rotate_if_due(conn, every_s=0)
        assert await write(ids) == 2  # found in the other slot
        assert await rotate_if_due(conn, every_s=0)
        assert await write(ids) == 0  # forgotten: stored again
    finally:
        await conn.close()
    assert await stored(db, ids) == sorted(ids + ids)


async def test_rows_without_a_client_id_are_all_kept(db, database_url, site):
    now = datetime.now(UTC)
    conn = await asyncpg.connect(database_url)
    try:
        before = await conn.fetchval("SELECT count(*) FROM events WHERE client_id IS NULL")
        async with conn.transaction():
            await conn.copy_to_table(
                "events",
                source=memoryview(copy_data([row(site["id"], now)] * 3)),
                columns=COLUMNS,
                format="binary",
            )
            assert await claim_ids(conn) == 0
        after = await conn.fetchval("SELECT count(*) FROM events WHERE client_id IS NULL")
    finally:
        await conn.close()
    assert after - before == 3
