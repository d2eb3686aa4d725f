"""Consent-mode visitors' raw events made with plain SQL, for the privacy
tests: many rows of one uid/sid over several day partitions, and counts to
check a forget or an export against."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from collector.db.partitions import ensure_partitions


async def add_site(conn: asyncpg.Connection, name: str = "Example") -> dict:
    key = "site" + uuid.uuid4().hex[:8]
    site_id = await conn.fetchval(
        "INSERT INTO sites (key, name, domains) VALUES ($1, $2, '{example.nl}') RETURNING id",
        key,
        name,
    )
    return {"key": key, "id": site_id}


async def add_events(
    conn: asyncpg.Connection,
    site_id: int,
    n: int,
    *,
    uid: str | None = None,
    sid: str | None = None,
    days_back: int = 3,
    path: str = "/tour",
    ts: datetime | None = None,
) -> None:
    """n pageviews of one visitor, spread over today and the `days_back` days before
    (or all at `ts`)."""
    today = datetime.now(UTC).date()
    # One day more: the milliseconds subtracted below can cross a midnight.
    await ensure_partitions(conn, today - timedelta(days=days_back + 1), today)
    now = datetime.now(UTC)
    await conn.execute(
        """
        INSERT INTO events (ts, visitor, site_id, type, seq, path, host, uid, sid, client_id,
                            ip, props)
        SELECT coalesce($7::timestamptz,
                        $6::timestamptz - (i % ($5::int + 1)) * interval '1 day'
                        - i * interval '1 ms'),
               42, $1, 1, i % 100, $8, 'www.example.nl', $3, $4, md5(random()::text),
               '203.0.113.0', '{"plan": "pro"}'
        FROM generate_series(1, $2) AS i
        """,
        site_id,
        n,
        uid,
        sid,
        days_back,
        now,
        ts,
        path,
    )


async def count(conn: asyncpg.Connection, where: str = "true", *args) -> int:
    return await conn.fetchval(f"SELECT count(*) FROM events WHERE {where}", *args)


def days(back: int) -> list[date]:
    today = datetime.now(UTC).date()
    return [today - timedelta(days=i) for i in range(back + 1)]
