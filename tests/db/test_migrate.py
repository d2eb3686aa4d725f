"""Migrations: applied once each, recorded, safe when several processes start
at once; the first schema has what the contract needs."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from collector.db.migrate import apply_migrations, load_migrations
from collector.db.partitions import (
    DAYS_AHEAD,
    ensure_partitions,
    ensure_partitions_ahead,
    list_partitions,
    partition_day,
    partition_name,
)
from collector.durable.copy_format import COLUMNS as COPY_COLUMNS


async def test_concurrent_first_apply_runs_each_migration_once(empty_database_url):
    conns = [await asyncpg.connect(empty_database_url) for _ in range(5)]
    try:
        results = await asyncio.gather(*(apply_migrations(c) for c in conns))
        applied = [m.version for result in results for m in result]
        assert sorted(applied) == [m.version for m in load_migrations()]
        rows = await conns[0].fetch("SELECT version, name FROM schema_migrations ORDER BY 1")
        assert [(r["version"], r["name"]) for r in rows] == [
            (m.version, m.name) for m in load_migrations()
        ]
    finally:
        for c in conns:
            await c.close()


async def test_second_apply_is_a_no_op(db):
    assert await apply_migrations(db) == []
    assert await apply_migrations(db) == []


def test_migration_files_are_numbered_in_order():
    migrations = load_migrations()
    assert migrations[0].version == 1 and migrations[0].name == "initial"
    assert [m.version for m in migrations] == sorted({m.version for m in migrations})


async def test_schema_has_the_contract_tables(db):
    tables = {
        r["relname"]
        for r in await db.fetch(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relnamespace = "
            "'public'::regnamespace"
        )
    }
    assert {
        "sites",
        "events",
        "users",
        "api_tokens",
        "audit_log",
        "salts",
        "schema_migrations",
    } <= tables
    strategy = await db.fetchval(
        "SELECT partstrat::text FROM pg_partitioned_table WHERE partrelid = 'events'::regclass"
    )
    assert strategy == "r"  # RANGE
    key = await db.fetchval("SELECT pg_get_partkeydef('events'::regclass)")
    assert key == "RANGE (ts)"


async def test_event_columns_use_compact_types(db):
    types = dict(
        await db.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'events'::regclass AND attnum > 0 AND NOT attisdropped"
        )
    )
    assert types["type"] == "smallint"
    assert types["device"] == "smallint"
    assert types["visitor"] == "bigint"
    assert types["ip"] == "inet"
    assert types["props"] == "jsonb"
    assert types["ts"] == "timestamp with time zone"
    # Every column the ingest writer fills exists.
    for column in COPY_COLUMNS:
        assert column in types


def test_partition_names_show_their_day():
    assert partition_name(date(2026, 11, 22)) == "events_20261122"
    assert partition_day("events_20261122") == date(2026, 11, 22)
    assert partition_day("events_default") is None


async def test_partitions_ahead_exist_and_hold_their_day(db):
    now = datetime(2030, 1, 30, 23, 59, tzinfo=UTC)
    created = await ensure_partitions_ahead(db, now)
    expected = [date(2030, 1, 30) + timedelta(days=i) for i in range(DAYS_AHEAD + 1)]
    assert created == [partition_name(d) for d in expected]
    assert await ensure_partitions_ahead(db, now) == []  # idempotent
    assert set(expected) <= set(await list_partitions(db))

    site = await db.fetchval(
        "INSERT INTO sites (key, name, domains) VALUES ('k1', 'n', '{a.nl}') RETURNING id"
    )
    for ts in (now, datetime(2030, 1, 31, 0, 0, tzinfo=UTC)):
        await db.execute(
            "INSERT INTO events (ts, visitor, site_id, type) VALUES ($1, 1, $2, 1)", ts, site
        )
    placed = await db.fetch(
        "SELECT tableoid::regclass::text AS part FROM events WHERE site_id = $1 ORDER BY ts", site
    )
    assert [r["part"] for r in placed] == ["events_20300130", "events_20300131"]


async def test_event_without_partition_is_refused_not_swallowed(db):
    # No catch-all default partition may silently take rows (DESIGN.md).
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO events (ts, visitor, site_id, type) VALUES ('1999-01-01', 1, 1, 1)"
        )


async def test_concurrent_partition_creation_does_not_collide(database_url):
    conns = [await asyncpg.connect(database_url) for _ in range(4)]
    try:
        first = date(2031, 5, 1)
        results = await asyncio.gather(
            *(ensure_partitions(c, first, first + timedelta(days=2)) for c in conns)
        )
        assert sorted(n for r in results for n in r) == [
            "events_20310501",
            "events_20310502",
            "events_20310503",
        ]
    finally:
        for c in conns:
            await c.close()
