"""Retention of aggregates: kept PEIL_AGGREGATE_RETENTION_DAYS, forever by default.

Aggregates (rollups) hold counts per day and dimension, no per-visitor
values, so they may outlive the raw events (DESIGN.md, Storage rules). The
purge touches exactly the tables listed in AGGREGATE_TABLES and nothing else
besides the day partitions of `events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import asyncpg

from collector.db.queries import load
from collector.db.splice import splice
from collector.rollup.fold import ROLLUP_TABLES

SQL = load(__name__)


@dataclass(frozen=True)
class AggregateTable:
    name: str  # a table of aggregates only: never raw events
    day_column: str  # the `date` column that says which day a row counts


# The rollup tables (sql/migrations/0003_rollups.sql): per site and site-local
# day, no per-visitor values; and their keys per month (migration 0015),
# each removed whole once its first day is past the retention.
AGGREGATE_TABLES: tuple[AggregateTable, ...] = (
    *(AggregateTable(name, "day") for name in ROLLUP_TABLES),
    AggregateTable("rollup_month_keys", "month"),
)


def aggregate_cutoff(now: datetime, retention_days: int) -> date:
    """Rows for days before this one are older than the aggregate retention."""
    return (now - timedelta(days=retention_days)).date()


async def purge_aggregates(
    conn: asyncpg.Connection,
    now: datetime,
    retention_days: int | None,
    *,
    dry_run: bool,
    batch_rows: int,
    tables: tuple[AggregateTable, ...] = AGGREGATE_TABLES,
) -> dict[str, int]:
    """Rows removed (or, in a dry run, that would be) per aggregate table."""
    if retention_days is None:
        return {}
    before = aggregate_cutoff(now, retention_days)
    removed = {}
    for table in tables:
        if dry_run:
            removed[table.name] = await _count_older(conn, table, before)
        else:
            removed[table.name] = await _delete_older(conn, table, before, batch_rows)
    return removed


async def _count_older(conn: asyncpg.Connection, table: AggregateTable, before: date) -> int:
    query = splice(SQL.count_older, table=table.name, day_column=table.day_column)
    return await conn.fetchval(query, before)


async def _delete_older(
    conn: asyncpg.Connection, table: AggregateTable, before: date, batch_rows: int
) -> int:
    # Small batches, each its own transaction: no long lock on a table the
    # dashboard reads.
    query = splice(SQL.delete_older, table=table.name, day_column=table.day_column)
    total = 0
    while True:
        deleted = await conn.fetchval(query, before, batch_rows)
        total += deleted
        if deleted < batch_rows:
            return total
