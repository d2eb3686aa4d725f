"""Day partitions of `events`: names, creation ahead of time, listing.

One partition per UTC day, named events_YYYYMMDD, so retention can drop a
whole day at once and an operator can read the day off the table name.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import asyncpg

# Serialises partition DDL between workers; see MIGRATION_LOCK_KEY.
PARTITION_LOCK_KEY = 0x7065696C_0002

# Today plus this many days always exist (DESIGN.md: partitions ahead).
DAYS_AHEAD = 3

_NAME = re.compile(r"^events_(\d{8})$")


def partition_name(day: date) -> str:
    return f"events_{day:%Y%m%d}"


def partition_day(name: str) -> date | None:
    match = _NAME.match(name)
    return datetime.strptime(match[1], "%Y%m%d").date() if match else None


def utc_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date()


async def ensure_partitions(conn: asyncpg.Connection, first_day: date, last_day: date) -> list[str]:
    """Create the missing day partitions from first_day to last_day inclusive."""
    created = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", PARTITION_LOCK_KEY)
        existing = set(await list_partitions(conn))
        day = first_day
        while day <= last_day:
            if day not in existing:
                start = datetime(day.year, day.month, day.day, tzinfo=UTC)
                # Identifiers and literals come from a date, never from input.
                await conn.execute(
                    f"CREATE TABLE {partition_name(day)} PARTITION OF events "
                    f"FOR VALUES FROM ('{start.isoformat()}') "
                    f"TO ('{(start + timedelta(days=1)).isoformat()}')"
                )
                created.append(partition_name(day))
            day += timedelta(days=1)
    return created


async def ensure_partitions_ahead(
    conn: asyncpg.Connection, now: datetime | None = None
) -> list[str]:
    """Today's partition and the next DAYS_AHEAD days'."""
    today = utc_today(now)
    return await ensure_partitions(conn, today, today + timedelta(days=DAYS_AHEAD))


async def list_partitions(conn: asyncpg.Connection) -> list[date]:
    """Days that have a partition, oldest first."""
    rows = await conn.fetch(
        """SELECT c.relname FROM pg_inherits i
           JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent
           WHERE p.relname = 'events'"""
    )
    days = [partition_day(r["relname"]) for r in rows]
    return sorted(d for d in days if d is not None)
