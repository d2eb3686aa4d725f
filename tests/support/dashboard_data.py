"""Hand-made raw events for the stats tests: rows written straight into `events`
with chosen receive times and visitor hashes, as the ingest pipeline stores them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from collector.db.partitions import ensure_partitions
from collector.model.vocabulary import EVENT_TYPES
from collector.rollup.job import refold_site

EMAIL = "analyst@example.nl"
PASSWORD = "correct horse battery"


EXAMPLE_DAY = date.today() - timedelta(days=10)


def at(day: date, clock: str, tz: str = "UTC") -> datetime:
    """The UTC instant of `clock` (HH:MM or HH:MM:SS) on `day` in zone `tz`."""
    return datetime.combine(day, time.fromisoformat(clock), ZoneInfo(tz)).astimezone(UTC)


async def add_site(conn: asyncpg.Connection, name: str, timezone: str = "UTC") -> dict[str, Any]:
    row = await conn.fetchrow(
        "INSERT INTO sites (key, name, domains, timezone) VALUES ($1, $2, $3, $4)"
        " RETURNING id, key",
        "k" + uuid.uuid4().hex[:11],
        name,
        ["www.example.nl"],
        timezone,
    )
    return dict(row)


async def add_events(conn: asyncpg.Connection, site: dict[str, Any], *events: dict) -> None:
    """Each event: ts, visitor, t (type name) and any other `events` column."""
    days = sorted({e["ts"].astimezone(UTC).date() for e in events})
    await ensure_partitions(conn, days[0], days[-1])
    for seq, event in enumerate(events):
        values = {k: v for k, v in event.items() if k != "t"}
        values.update(site_id=site["id"], type=EVENT_TYPES[event["t"]])
        values.setdefault("seq", seq % 200)
        names = list(values)
        await conn.execute(
            f"INSERT INTO events ({', '.join(names)}) VALUES "
            f"({', '.join(f'${i + 1}' for i in range(len(names)))})",
            *values.values(),
        )


async def fold(conn: asyncpg.Connection, site: dict[str, Any]) -> None:
    await refold_site(conn, site["id"])
