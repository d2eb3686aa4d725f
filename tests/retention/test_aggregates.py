"""Aggregate retention: nothing by default, and when set, only the listed
aggregate tables lose rows older than it, in batches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from collector.retention.aggregates import AGGREGATE_TABLES, AggregateTable, purge_aggregates
from tests.support.named_sql import named_query

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)
TABLE = AggregateTable("rollup_retention_test", "day")


@pytest.fixture
async def conn(database_url):
    conn = await asyncpg.connect(database_url)
    await conn.execute("CREATE TABLE rollup_retention_test (day date NOT NULL, pageviews int)")
    await conn.execute(
        named_query("aggregates.fill_test_table"),
        (NOW - timedelta(days=999)).date(),
        NOW.date(),
    )
    yield conn
    await conn.execute("DROP TABLE rollup_retention_test")
    await conn.close()


def test_no_raw_event_table_is_listed_as_aggregate():
    assert all(not t.name.startswith("events") for t in AGGREGATE_TABLES)


async def test_kept_forever_by_default(conn):
    removed = await purge_aggregates(conn, NOW, None, dry_run=False, batch_rows=10, tables=(TABLE,))
    assert removed == {}
    assert await conn.fetchval("SELECT count(*) FROM rollup_retention_test") == 1000


async def test_rows_older_than_the_aggregate_retention_go_in_batches(conn):
    dry = await purge_aggregates(conn, NOW, 400, dry_run=True, batch_rows=7, tables=(TABLE,))
    assert await conn.fetchval("SELECT count(*) FROM rollup_retention_test") == 1000
    removed = await purge_aggregates(conn, NOW, 400, dry_run=False, batch_rows=7, tables=(TABLE,))
    assert dry == removed == {"rollup_retention_test": 599}
    oldest = await conn.fetchval("SELECT min(day) FROM rollup_retention_test")
    assert oldest == (NOW - timedelta(days=400)).date()


async def test_every_rollup_table_is_listed_and_has_its_day_column(conn):
    # A rollup table missing from AGGREGATE_TABLES would outlive the retention.
    rollups = {r["relname"] for r in await conn.fetch(named_query("aggregates.rollup_tables"))}
    assert rollups == {t.name for t in AGGREGATE_TABLES}
    for table in AGGREGATE_TABLES:
        assert (
            await conn.fetchval(
                named_query("aggregates.column_type"),
                table.name,
                table.day_column,
            )
            == "date"
        )
    # And the purge runs on them without error (nothing is old here).
    removed = await purge_aggregates(conn, NOW, 400, dry_run=False, batch_rows=1000)
    assert set(removed) == {t.name for t in AGGREGATE_TABLES}
