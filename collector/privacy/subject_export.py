"""Subject export (GDPR art. 15 and 20): every raw event of one consent-mode
visitor, with every field `events` stores for it.

The columns are the site export's (dashboard/export.py, same names, so one
encoder serves both) plus what that one leaves out: the site key, the
client's event id and the address as stored (NULL when the instance keeps
none). Only `rollup_xact`, PostgreSQL's transaction id that the rollup uses
to find new rows, is not exported: it says nothing about the visitor.

The audit row is written before the first row, with the number of rows the
export holds at that moment. The rows are read in one read-only
REPEATABLE READ transaction from a server-side cursor, CHUNK_ROWS at a time,
so memory stays flat however many there are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from collector.db.queries import load
from collector.db.splice import splice
from collector.privacy.subject import Subject, site_key, subject
from collector.store import audit

SQL = load(__name__)

CHUNK_ROWS = 2000


@dataclass
class SubjectExport:
    subject: Subject
    columns: list[str]
    rows: int  # as audited, when the export began
    _chunks: AsyncIterator[list[asyncpg.Record]]

    def chunks(self) -> AsyncIterator[list[asyncpg.Record]]:
        """The rows, oldest first, in lists of up to CHUNK_ROWS."""
        return self._chunks


@asynccontextmanager
async def subject_rows(
    conn: asyncpg.Connection,
    *,
    uid: str | None = None,
    sid: str | None = None,
    site_id: int | None = None,
    actor: str,
    fmt: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> AsyncIterator[SubjectExport]:
    """Audit the export, then hand over its columns and rows (inside the block only).

    async with subject_rows(conn, uid=uid, actor=actor) as export:
        async for chunk in export.chunks(): ...
    """
    who = subject(uid=uid, sid=sid, site_id=site_id)
    key = await site_key(conn, site_id)
    rows = await conn.fetchval(splice(SQL.count, column=who.kind), who.value, who.site_id)
    await audit.record(conn, actor, "subject-export", who.audit_detail(key, rows=rows, format=fmt))
    async with conn.transaction(readonly=True, isolation="repeatable_read"):
        statement = await conn.prepare(splice(SQL.rows, column=who.kind))
        columns = [a.name for a in statement.get_attributes()]
        cursor = statement.cursor(who.value, who.site_id, prefetch=chunk_rows)
        yield SubjectExport(who, columns, rows, _in_chunks(cursor, chunk_rows))


async def _in_chunks(
    records: AsyncIterator[asyncpg.Record], size: int
) -> AsyncIterator[list[asyncpg.Record]]:
    chunk: list[asyncpg.Record] = []
    async for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
