"""Forget (GDPR art. 17): delete one consent-mode visitor's raw events.

Every day partition of `events` is worked through separately: first one
statement finds the partitions that hold the visitor (through the partial
indexes events_uid / events_sid, which hold only consent-mode rows), then
each of those loses its matching rows in batches of DELETE_BATCH_ROWS, each
batch its own short transaction, as the purge does (collector/retention/
purge.py): a batch holds the locks of the rows it deletes only, for
milliseconds, so ingest's COPY never waits for a forget, and no statement
runs long over the big table. Aggregates stay: they hold counts, no
identifier. The visits of the visitor hashes those events carried (`visits`,
`rollup_open_visits`: per-visitor rows) go with them, each batch's in its
transaction, and once more when a rollup run that may have read the events
before their delete is over (requests.py, delete_visits).

Before the first delete a forget request (requests.py) is recorded, so that
the events acknowledged before the forget but written to PostgreSQL later (a
spool backlog) go too.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

import asyncpg

from collector.db.queries import load
from collector.db.splice import splice
from collector.privacy.requests import (
    DELETE_BATCH_ROWS,
    RUNNING,
    VisitorDay,
    delete_batch,
    delete_visits_after_rollup,
    open_request,
)
from collector.privacy.subject import Subject, acquired, site_key, subject
from collector.store import audit

SQL = load(__name__)

Progress = Callable[[str], None]


async def forget(
    conn_or_pool: asyncpg.Connection | asyncpg.Pool,
    *,
    uid: str | None = None,
    sid: str | None = None,
    site_id: int | None = None,
    actor: str,
    progress: Progress | None = None,
    batch_rows: int = DELETE_BATCH_ROWS,
) -> int:
    """Delete every raw event of the visitor with this uid (or sid), on one site
    or on all, and the visits of those events' visitor hashes; return how many
    events. Writes one audit row (with the counts, also when it fails half-way)
    and leaves a forget request open for the spool backlog. The connection must
    not be inside a transaction (each batch commits)."""
    who = subject(uid=uid, sid=sid, site_id=site_id)
    async with acquired(conn_or_pool) as conn:
        key = await site_key(conn, site_id)
        # First: its snapshot precedes every delete, so whatever a delete
        # cannot see yet is what the request's later checks look at.
        request = await open_request(conn, who)
        await conn.execute("SELECT pg_advisory_lock($1, $2)", RUNNING, request)
        deleted = visits = 0
        visitors: set[VisitorDay] = set()

        def counted(rows: int, keys: set[VisitorDay], visits_deleted: int) -> None:
            nonlocal deleted, visits
            deleted += rows
            visits += visits_deleted
            visitors.update(keys)

        try:
            await delete_everywhere(conn, who, counted, progress or _silent, batch_rows)
            visits += await delete_visits_after_rollup(conn, visitors)
            await conn.execute(
                "UPDATE forget_requests SET completed_at = now() WHERE id = $1", request
            )
        except BaseException as exc:  # Ctrl-C included: what went is on record
            detail = who.audit_detail(
                key, rows=deleted, visits=visits, request=request, error=type(exc).__name__
            )
            with suppress(Exception):  # the original error matters more
                await audit.record(conn, actor, "forget", detail)
            raise
        finally:
            with suppress(Exception):  # a lost connection has let go of it already
                await conn.execute("SELECT pg_advisory_unlock($1, $2)", RUNNING, request)
        detail = who.audit_detail(key, rows=deleted, visits=visits, request=request)
        await audit.record(conn, actor, "forget", detail)
    return deleted


async def delete_everywhere(
    conn: asyncpg.Connection,
    who: Subject,
    counted: Callable[[int, set[VisitorDay], int], None],
    progress: Progress,
    batch_rows: int,
) -> None:
    """Delete the subject's rows partition by partition, each batch with the visits
    of its visitor hashes; report each batch to `counted` (rows, their visitor
    keys, visits deleted)."""
    query = splice(SQL.partitions, column=who.kind)
    partitions = [r["partition"] for r in await conn.fetch(query, who.value, who.site_id)]
    done = 0
    for number, partition in enumerate(sorted(partitions), 1):
        delete = splice(SQL.delete_batch, partition=partition, column=who.kind)
        while True:
            try:
                rows, keys, visits = await delete_batch(
                    conn, delete, (who.value, who.site_id, batch_rows)
                )
            except asyncpg.UndefinedTableError:
                break  # dropped by a purge meanwhile: its rows are gone anyway
            counted(rows, keys, visits)
            done += rows
            progress(f"forgetting: {done:,} rows deleted ({number} of {len(partitions)} days)")
            # Not `< batch_rows`: rows a purge deleted meanwhile make a batch short.
            if rows == 0:
                break


def _silent(message: str) -> None:
    pass
