"""Forget requests: the tombstones that let a forget reach the spool backlog.

A collector answers 202 once events are in its spool on disk; PostgreSQL
gets them moments later, or, when it was away or the collector crashed,
minutes to days later (collector/durable/). A forget runs in another process
than `peil serve` and cannot see those events, so it leaves a request in
`forget_requests` (migration 0007): the SHA-256 of the uid or sid (never the
id), the site, the moment and a snapshot. The jobs process of `peil serve`
calls recheck() every few seconds; for each open request it

1. looks whether this machine's spool (backlog.py) still holds a record not
   yet in PostgreSQL received before the request (plus RECHECK_MARGIN_S);
2. deletes the matching rows committed after the request's snapshot, read
   through events_rollup_xact as the rollup reads its new rows (so a check
   costs the rows written since the last one, not a scan of the table), and
   received before the request plus the margin: a visitor who goes on giving
   consent afterwards is new data, not what was asked to be forgotten;
3. deletes the visits of the visitor hashes those rows carried (below);
4. stores the snapshot taken before those deletes, and closes the request
   when step 1 found no backlog and the margin has passed: the hash is then
   erased and an audit row ("forget-close") says how many rows the checks
   deleted.

Visits (`visits` and the open days' `rollup_open_visits`, migration 0009)
are one row per visit with the visitor hash of its events, so they are
per-visitor data: whatever deletes a subject's events (a forget, a check)
gets back the site, visitor hash and UTC day of each row it deleted, and
delete_visits removes every visit of those hashes, in the same short
transaction as the batch of events it comes from. A visitor hash is keyed
with the salt of one UTC day (collector/ingest/salts.py), so its visits lie
on the site-local days around that day, whatever time zone the site had when
they were folded: the day before, that day and the day after are looked at.
A rollup run that read the events before their delete would write their
visits again after it, so once every batch is done the visits of those
hashes are deleted once more when that run is over (under the rollup's lock).

The margin covers a clock that differs between PostgreSQL's machine and a
collector's (the request's time is PostgreSQL's, an event's the
collector's), and PEIL_DURABILITY=memory, whose events reach the spool file
a moment after their 202. A request also closes, backlog or not, once the
instance's retention has passed since it: any event received before it is
then older than the retention and goes with the next purge.

Only the spool of the machine that runs the jobs (the holder of the jobs
lock, collector/jobs/leader.py) is seen: with several `peil serve` nodes on
one database, another node's backlog is covered by the margin only. A node
that was cut off from PostgreSQL for longer than that when a forget ran
replays events of that visitor afterwards; run the forget again once every
node's /healthz shows an empty spool (README, "Privacy requests").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import asyncpg

from collector.db.queries import load
from collector.db.splice import splice
from collector.privacy.backlog import backlog_before
from collector.privacy.subject import Subject, audit_ref
from collector.retention.purge import VISIT_TABLES
from collector.rollup.job import rollup_lock
from collector.store import audit

SQL = load(__name__)

RECHECK_MARGIN_S = 60.0
# One recheck at a time, whoever runs it (several jobs processes on one database).
RECHECK_LOCK_KEY = 0x7065696C_0007
# Rows one DELETE removes (here and in forget.py): 100,000 rows of one
# visitor go in 20 statements of some tens of milliseconds each
# (benchmarks/forget.py).
DELETE_BATCH_ROWS = 5_000
# pg_advisory_lock(RUNNING, request id): held by the forget of that request while
# it runs, so a check can tell a forget at work from one that was cut off.
RUNNING = 0x7065_0008
# (site, visitor hash, UTC day) keys one delete_visits statement takes: a few
# visits each, found along the tables' primary keys.
VISIT_KEYS_PER_STATEMENT = 1_000

# Site id, visitor hash, the UTC day of an event that carried it.
VisitorDay = tuple[int, int, date]


@dataclass(frozen=True)
class OpenRequest:
    id: int
    requested_at: datetime
    kind: str
    subject_hash: bytes
    site_id: int | None
    site_key: str | None
    checked: str  # pg_snapshot as text
    rechecked: int
    completed_at: datetime | None  # None: its forget has not gone through every partition


@dataclass(frozen=True)
class Checked:
    id: int
    deleted: int  # by this check
    closed: bool


async def open_request(conn: asyncpg.Connection, who: Subject) -> int:
    """Record a forget request (its snapshot: now); its id."""
    return await conn.fetchval(SQL.open_request, who.kind, who.digest, who.site_id)


async def open_requests(conn: asyncpg.Connection) -> list[OpenRequest]:
    return [OpenRequest(**dict(r)) for r in await conn.fetch(SQL.open_requests)]


async def recheck(
    conn: asyncpg.Connection,
    *,
    spool_dir: Path,
    retention_days: int,
    actor: str,
    margin_s: float = RECHECK_MARGIN_S,
    batch_rows: int = DELETE_BATCH_ROWS,
) -> list[Checked]:
    """Check every open request once (see the module docstring); what each check did.

    Returns [] at once when another recheck holds the lock.
    """
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", RECHECK_LOCK_KEY):
        return []
    try:
        requests = await open_requests(conn)
        if not requests:
            return []
        # Before the spool is read (see backlog_before).
        committed = {r["generation"]: r["seq"] for r in await conn.fetch(SQL.committed)}
        limits = Limits(timedelta(seconds=margin_s), timedelta(days=retention_days))
        return [
            await check_one(conn, request, spool_dir, committed, limits, actor, batch_rows)
            for request in requests
        ]
    finally:
        with suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            await conn.execute("SELECT pg_advisory_unlock($1)", RECHECK_LOCK_KEY)


@dataclass(frozen=True)
class Limits:
    margin: timedelta
    retention: timedelta


async def check_one(
    conn: asyncpg.Connection,
    request: OpenRequest,
    spool_dir: Path,
    committed: dict[str, int],
    limits: Limits,
    actor: str,
    batch_rows: int,
) -> Checked:
    until = request.requested_at + limits.margin
    if request.completed_at is None:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", RUNNING, request.id):
            return Checked(request.id, 0, False)  # its forget is still at work
        try:  # its forget was cut off: what it did not reach goes now
            finished, visitors = await finish_forget(conn, request, until, batch_rows)
            await delete_visits_after_rollup(conn, visitors)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1, $2)", RUNNING, request.id)
        await conn.execute(SQL.record_old, request.id, finished)
    now = await conn.fetchval("SELECT now()")
    settled = now >= until and not await asyncio.to_thread(
        backlog_before, spool_dir, committed, int(until.timestamp() * 1_000_000)
    )
    close = settled or now >= request.requested_at + limits.retention
    # Taken before the deletes: a row they miss is committed after it.
    snapshot = await conn.fetchval("SELECT pg_current_snapshot()::text")
    deleted, visitors = await delete_new_rows(conn, request, until, batch_rows)
    await delete_visits_after_rollup(conn, visitors)
    total = await conn.fetchval(SQL.record_check, request.id, snapshot, deleted, close)
    if close and total is not None:
        await audit.record(
            conn,
            actor,
            "forget-close",
            {
                "by": request.kind,
                "subject": audit_ref(request.subject_hash),
                "site": request.site_key,
                "request": request.id,
                "rows": total,
                "backlog_written": settled,
            },
        )
    return Checked(request.id, deleted, close)


async def finish_forget(
    conn: asyncpg.Connection, request: OpenRequest, until: datetime, batch_rows: int
) -> tuple[int, set[VisitorDay]]:
    """Delete every matching row received before `until`, old or new, with its
    visits: the work of a forget that was cut off. Read through the partial uid/sid
    indexes (consent-mode rows only), hashing each value. How many rows went, and
    whose visits."""
    args = (request.subject_hash, request.site_id, until)
    found = await conn.fetch(splice(SQL.old_partitions, column=request.kind), *args)
    return await _delete_in_batches(
        conn,
        found,
        lambda partition: splice(SQL.delete_old_batch, partition=partition, column=request.kind),
        (*args, batch_rows),
    )


async def delete_new_rows(
    conn: asyncpg.Connection, request: OpenRequest, until: datetime, batch_rows: int
) -> tuple[int, set[VisitorDay]]:
    """Delete the matching rows committed after the request's snapshot and received
    before until, with their visits; how many rows went, and whose visits."""
    args = (request.checked, request.subject_hash, request.site_id, until)
    found = await conn.fetch(splice(SQL.new_partitions, column=request.kind), *args)
    return await _delete_in_batches(
        conn,
        found,
        lambda partition: splice(SQL.delete_new_batch, partition=partition, column=request.kind),
        (*args, batch_rows),
    )


async def _delete_in_batches(
    conn: asyncpg.Connection,
    found: list[asyncpg.Record],
    delete_in: Callable[[str], str],
    args: tuple,
) -> tuple[int, set[VisitorDay]]:
    """In each partition `found`, run `delete_in(partition)` with `args` until a batch
    deletes nothing, each batch with its visits (delete_batch); how many rows went,
    and whose visits."""
    deleted, visitors = 0, set()
    for partition in sorted(r["partition"] for r in found):
        delete = delete_in(partition)
        while True:
            try:
                rows, keys, _ = await delete_batch(conn, delete, args)
            except asyncpg.UndefinedTableError:
                break  # dropped by a purge meanwhile
            deleted += rows
            visitors |= keys
            if rows == 0:
                break
    return deleted, visitors


async def delete_batch(
    conn: asyncpg.Connection, delete: str, args: tuple
) -> tuple[int, set[VisitorDay], int]:
    """Run one batch `delete` of a subject's events (it answers site_id, visitor, day
    and n per visitor hash and UTC day) and delete the visits of those hashes, in one
    transaction: rows deleted, their (site, visitor, day) keys, visits deleted."""
    async with conn.transaction():
        found = await conn.fetch(delete, *args)
        keys = {(r["site_id"], r["visitor"], r["day"]) for r in found}
        visits = await delete_visits(conn, keys)
    return sum(r["n"] for r in found), keys, visits


async def delete_visits(conn: asyncpg.Connection, keys: Iterable[VisitorDay]) -> int:
    """Delete the visits (closed and open days') of these visitor hashes, each on the
    site-local days around its UTC day (see the module docstring); how many."""
    ordered = sorted(set(keys))
    deleted = 0
    for start in range(0, len(ordered), VISIT_KEYS_PER_STATEMENT):
        chunk = ordered[start : start + VISIT_KEYS_PER_STATEMENT]
        sites, visitors, days = ([key[i] for key in chunk] for i in range(3))
        for table in VISIT_TABLES:
            query = splice(SQL.delete_visits, table=table)
            status = await conn.execute(query, sites, visitors, days)
            deleted += int(status.split()[-1])
    return deleted


async def delete_visits_after_rollup(conn: asyncpg.Connection, keys: Iterable[VisitorDay]) -> int:
    """delete_visits once the rollup run at work (if any) is over: one that read the
    events before they went would write their visits again when it ends. Runs after
    the events are deleted; a later run cannot see them."""
    keys = set(keys)
    if not keys:
        return 0
    async with rollup_lock(conn):
        return await delete_visits(conn, keys)
