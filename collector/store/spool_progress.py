"""spool_progress: the last spool record of each generation that is in `events`."""

from __future__ import annotations

import asyncpg

from collector.db.queries import load

SQL = load(__name__)


async def committed_seq(conn: asyncpg.Connection | asyncpg.Pool, generation: str) -> int:
    """0 when nothing of this generation was written yet."""
    seq = await conn.fetchval("SELECT seq FROM spool_progress WHERE generation = $1", generation)
    return seq or 0


async def record_progress(conn: asyncpg.Connection, generation: str, seq: int) -> None:
    """Call inside the transaction that writes the records up to `seq`."""
    await conn.execute(SQL.record_progress, generation, seq)


async def forget(conn: asyncpg.Connection | asyncpg.Pool, generation: str) -> None:
    """Only once the generation's files are deleted (else a replay would start over)."""
    await conn.execute("DELETE FROM spool_progress WHERE generation = $1", generation)
