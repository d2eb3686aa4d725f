"""Test data for retention: sites, events at chosen moments, a clean slate."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import asyncpg

from collector.db.partitions import ensure_partitions, list_partitions, partition_name


async def reset(conn: asyncpg.Connection) -> None:
    """No partitions, events, sites or audit rows: each test starts from nothing."""
    for day in await list_partitions(conn):
        await conn.execute(f"DROP TABLE {partition_name(day)}")
    await conn.execute("DELETE FROM sites")
    await conn.execute("DELETE FROM audit_log")


async def add_site(conn: asyncpg.Connection, name: str, retention_days: int | None = None) -> int:
    return await conn.fetchval(
        "INSERT INTO sites (key, name, domains, retention_days) VALUES ($1, $2, $3, $4)"
        " RETURNING id",
        "k" + uuid.uuid4().hex[:11],
        name,
        [f"{name.lower()}.example"],
        retention_days,
    )


async def add_events(
    conn: asyncpg.Connection, site_id: int, moments: Iterable[datetime], per_moment: int = 1
) -> None:
    """`per_moment` events of `site_id` at each moment, creating partitions as needed."""
    moments = list(moments)
    for moment in moments:
        await ensure_partitions(conn, moment.date(), moment.date())
    await conn.execute(
        "INSERT INTO events (ts, visitor, site_id, type)"
        " SELECT m, g, $1, 1 FROM unnest($2::timestamptz[]) m, generate_series(1, $3) g",
        site_id,
        moments,
        per_moment,
    )


async def events_by_site(conn: asyncpg.Connection) -> dict[int, list[datetime]]:
    rows = await conn.fetch("SELECT site_id, ts FROM events ORDER BY site_id, ts")
    found: dict[int, list[datetime]] = {}
    for row in rows:
        found.setdefault(row["site_id"], []).append(row["ts"])
    return found
