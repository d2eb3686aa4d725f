"""The purge: carry out a retention plan (plan.py) on the database.

Built so that ingest never waits for it:
- day partitions are detached CONCURRENTLY (a lock COPY does not wait for)
  and only then dropped;
- rows are deleted in batches of DELETE_BATCH_ROWS, each batch its own short
  transaction that locks only the rows it removes;
- the visits derived from the raw events (VISIT_TABLES: one row per visit,
  with its visitor hash, so per-visitor data like the events themselves) go
  by the same cutoffs and in the same batches, once their last event is
  older than the retention of their site;
- one purge at a time, by a session advisory lock; a second one stops at
  once with PurgeBusy instead of queueing behind the first.

A dry run goes through the same steps, counting instead of changing, and
takes no lock: it changes nothing, so it cannot collide with anything.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from collector.db.partitions import (
    count_rows,
    day_start,
    detach_partition,
    drop_detached,
    ensure_partitions_ahead,
    list_partitions,
    mark_expired,
    marked_leftovers,
    partition_name,
    pending_detach,
)
from collector.db.queries import load
from collector.db.splice import splice
from collector.errors import PeilError
from collector.retention.aggregates import purge_aggregates
from collector.retention.plan import Plan, RowRule, SiteRetention, VisitRule, make_plan
from collector.store import audit

SQL = load(__name__)

# Serialises purges; see MIGRATION_LOCK_KEY and PARTITION_LOCK_KEY.
PURGE_LOCK_KEY = 0x7065696C_0003

# Rows one DELETE removes: big enough that a day of a busy site takes
# seconds, small enough that each statement holds its row locks and WAL
# burst for only milliseconds.
DELETE_BATCH_ROWS = 10_000

# The visits (migration 0009): the open days' first, then the closed days'.
# A day that closes meanwhile moves its visits from the first to the second
# (collector/rollup/open_days.py), so in this order none is missed.
VISIT_TABLES = ("rollup_open_visits", "visits")

Progress = Callable[[str], None]


class PurgeBusy(PeilError):
    """Another purge holds the purge lock."""


@dataclass
class PurgeReport:
    plan: Plan
    dry_run: bool
    sites: dict[int, SiteRetention]
    aggregate_retention_days: int | None = None
    created: list[str] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # partition -> rows it held
    deleted: Counter[int] = field(default_factory=Counter)  # site id -> rows
    visits: Counter[int] = field(default_factory=Counter)  # site id -> visits (both tables)
    aggregates: dict[str, int] = field(default_factory=dict)  # table -> rows
    seconds: float = 0.0
    drop_seconds: float = 0.0  # detaching and dropping partitions
    delete_seconds: float = 0.0  # deleting rows in batches
    error: str | None = None

    @property
    def removed_anything(self) -> bool:
        return bool(
            self.dropped
            or sum(self.deleted.values())
            or sum(self.visits.values())
            or sum(self.aggregates.values())
        )

    def totals(self) -> str:
        """'2 partitions (2,000,000 rows) and 1,234 rows', for summaries; with
        ', and 56 visits' when visits went too."""
        count = len(self.dropped)
        text = (
            f"{count} partition{'' if count == 1 else 's'} ({sum(self.dropped.values()):,} rows)"
            f" and {sum(self.deleted.values()):,} rows"
        )
        if visits := sum(self.visits.values()):
            text += f", and {visits:,} visit{'' if visits == 1 else 's'}"
        return text

    def site_label(self, site_id: int) -> str:
        site = self.sites.get(site_id)
        return site.key if site else f"#{site_id}"

    def audit_detail(self) -> dict[str, Any]:
        detail = {
            "dry_run": self.dry_run,
            "now": self.plan.now.isoformat(),
            "cutoff": self.plan.cutoff.isoformat(),
            "retention_days": self.plan.retention_days,
            "site_cutoffs": {
                self.site_label(site_id): at.isoformat()
                for site_id, at in self.plan.site_cutoffs.items()
            },
            "partitions_created": self.created,
            "partitions_dropped": self.dropped,
            "rows_deleted": {self.site_label(s): n for s, n in sorted(self.deleted.items())},
            "visits_deleted": {self.site_label(s): n for s, n in sorted(self.visits.items())},
            "aggregate_retention_days": self.aggregate_retention_days,
            "aggregate_rows_deleted": self.aggregates,
            "seconds": round(self.seconds, 3),
            "drop_seconds": round(self.drop_seconds, 3),
            "delete_seconds": round(self.delete_seconds, 3),
        }
        if self.error:
            detail["error"] = self.error
        return detail


async def purge(
    conn: asyncpg.Connection,
    *,
    now: datetime,
    retention_days: int,
    actor: str,
    aggregate_retention_days: int | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_rows: int = DELETE_BATCH_ROWS,
) -> PurgeReport:
    """Enforce retention as of `now`; write one audit_log row unless `dry_run`.

    `conn` must not be inside a transaction (DETACH ... CONCURRENTLY cannot
    run in one). Raises PurgeBusy when another purge is running. A run that
    fails half-way still records what it removed, with the error, in its
    audit row.
    """
    if not dry_run and not await conn.fetchval("SELECT pg_try_advisory_lock($1)", PURGE_LOCK_KEY):
        raise PurgeBusy(
            "Another peil purge is running on this database, so this one changed nothing;"
            " try again when it has finished."
        )
    try:
        sites = await load_sites(conn)
        plan = make_plan(now, retention_days, sites.values(), await list_partitions(conn))
        report = PurgeReport(plan, dry_run, sites, aggregate_retention_days)
        await _carry_out_and_record(conn, report, actor, progress or _silent, batch_rows)
        return report
    finally:
        if not dry_run:
            # A broken connection has lost its session lock anyway.
            with suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                await conn.execute("SELECT pg_advisory_unlock($1)", PURGE_LOCK_KEY)


async def _carry_out_and_record(
    conn: asyncpg.Connection,
    report: PurgeReport,
    actor: str,
    progress: Progress,
    batch_rows: int,
) -> None:
    """Carry out the plan and, unless a dry run, write its audit row, also when it fails."""
    started = time.perf_counter()
    try:
        await _carry_out(conn, report, progress, batch_rows)
    except Exception as exc:
        report.error = str(exc) or type(exc).__name__
        report.seconds = time.perf_counter() - started
        if not report.dry_run:
            with suppress(Exception):  # the original error matters more
                await audit.record(conn, actor, "purge", report.audit_detail())
        raise
    report.seconds = time.perf_counter() - started
    if not report.dry_run:
        await audit.record(conn, actor, "purge", report.audit_detail())


async def load_sites(conn: asyncpg.Connection) -> dict[int, SiteRetention]:
    rows = await conn.fetch("SELECT id, key, name, retention_days FROM sites ORDER BY id")
    return {r["id"]: SiteRetention(**dict(r)) for r in rows}


def _silent(message: str) -> None:
    pass


async def _carry_out(
    conn: asyncpg.Connection, report: PurgeReport, progress: Progress, batch_rows: int
) -> None:
    plan, dry_run = report.plan, report.dry_run
    # Partitions ahead first: of everything here, ingest depends on them most.
    if dry_run:
        report.created = [partition_name(day) for day in plan.create]
    else:
        report.created = await ensure_partitions_ahead(conn, plan.now)
    for day in await marked_leftovers(conn):
        progress(f"dropping {partition_name(day)}, left detached by an interrupted purge")
        report.dropped[partition_name(day)] = await _drop_leftover(conn, day, dry_run)
    pending = await pending_detach(conn)
    started = time.perf_counter()
    for number, day in enumerate(plan.drop, 1):
        progress(f"dropping {partition_name(day)} ({number} of {len(plan.drop)})")
        report.dropped[partition_name(day)] = await _drop_partition(
            conn, day, pending=day in pending, dry_run=dry_run
        )
        report.drop_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for rule in plan.trim:
        await _trim(conn, rule, report, progress, batch_rows)
        report.delete_seconds = time.perf_counter() - started
    for visit_rule in plan.visits:
        for table in VISIT_TABLES:
            await _purge_visits(conn, visit_rule, table, report, progress, batch_rows)
        report.delete_seconds = time.perf_counter() - started
    report.aggregates = await purge_aggregates(
        conn, plan.now, report.aggregate_retention_days, dry_run=dry_run, batch_rows=batch_rows
    )


async def _drop_partition(
    conn: asyncpg.Connection, day: date, *, pending: bool, dry_run: bool
) -> int:
    """Rows the partition holds; unless dry_run, detach and drop it."""
    if dry_run:
        return await count_rows(conn, day)
    await mark_expired(conn, day)
    await detach_partition(conn, day, pending=pending)
    # Counted once detached: no late row can land in it any more.
    rows = await count_rows(conn, day)
    await drop_detached(conn, day)
    return rows


async def _drop_leftover(conn: asyncpg.Connection, day: date, dry_run: bool) -> int:
    rows = await count_rows(conn, day)
    if not dry_run:
        await drop_detached(conn, day)
    return rows


async def _trim(
    conn: asyncpg.Connection,
    rule: RowRule,
    report: PurgeReport,
    progress: Progress,
    batch_rows: int,
) -> None:
    """Delete (or, in a dry run, count) the rows of `rule`, adding them to report.deleted.

    Added batch by batch, so a run that fails half-way still reports what it removed.
    """
    if report.dry_run:
        report.deleted.update(await _count_older(conn, rule))
        return
    name = partition_name(rule.day)
    whose = "every site" if rule.site_id is None else f"site {report.site_label(rule.site_id)}"
    after, done = day_start(rule.day), 0
    while True:
        rows = await _delete_batch(conn, rule, after, batch_rows)
        report.deleted.update({r["site_id"]: r["n"] for r in rows})
        batch = sum(r["n"] for r in rows)
        done += batch
        progress(f"deleting old rows of {whose} in {name}: {done:,}")
        if batch < batch_rows:
            return
        after = max(r["last"] for r in rows)


async def _count_older(conn: asyncpg.Connection, rule: RowRule) -> Counter[int]:
    name = partition_name(rule.day)
    if rule.site_id is None:
        query = splice(SQL["count_older.every_site"], partition=name)
        rows = await conn.fetch(query, rule.cutoff)
    else:
        query = splice(SQL["count_older.one_site"], partition=name)
        rows = await conn.fetch(query, rule.site_id, rule.cutoff)
    return Counter({r["site_id"]: r["n"] for r in rows})


async def _delete_batch(
    conn: asyncpg.Connection, rule: RowRule, after: datetime, batch_rows: int
) -> list[asyncpg.Record]:
    """Delete up to batch_rows rows of `rule`; per site: how many, and the newest ts.

    Rows are picked by ctid, so the DELETE itself is a TID scan of exactly
    those rows. One site's rows are walked in ts order along the (site_id,
    ts) index, starting where the previous batch ended, so no batch rescans
    the index entries of rows already deleted.
    """
    name = partition_name(rule.day)
    if rule.site_id is None:
        query = splice(SQL["delete_batch.every_site"], partition=name)
        return await conn.fetch(query, rule.cutoff, batch_rows)
    query = splice(SQL["delete_batch.one_site"], partition=name)
    return await conn.fetch(query, rule.cutoff, batch_rows, rule.site_id, after)


async def _purge_visits(
    conn: asyncpg.Connection,
    rule: VisitRule,
    table: str,
    report: PurgeReport,
    progress: Progress,
    batch_rows: int,
) -> None:
    """Delete (or, in a dry run, count) the visits of `rule` in `table`, adding them to
    report.visits batch by batch, as _trim does with rows."""
    if report.dry_run:
        report.visits.update(await _count_visits(conn, rule, table))
        return
    whose = "every site" if rule.site_id is None else f"site {report.site_label(rule.site_id)}"
    done = 0
    while True:
        rows = await _delete_visits(conn, rule, table, batch_rows)
        report.visits.update({r["site_id"]: r["n"] for r in rows})
        batch = sum(r["n"] for r in rows)
        done += batch
        if done:
            progress(f"deleting old visits of {whose} in {table}: {done:,}")
        if batch < batch_rows:
            return


async def _count_visits(conn: asyncpg.Connection, rule: VisitRule, table: str) -> Counter[int]:
    if rule.site_id is None:
        query = splice(SQL["count_visits.every_site"], table=table)
        rows = await conn.fetch(query, rule.cutoff)
    else:
        query = splice(SQL["count_visits.one_site"], table=table)
        rows = await conn.fetch(query, rule.cutoff, rule.site_id, rule.since)
    return Counter({r["site_id"]: r["n"] for r in rows})


async def _delete_visits(
    conn: asyncpg.Connection, rule: VisitRule, table: str, batch_rows: int
) -> list[asyncpg.Record]:
    """Delete up to batch_rows visits of `rule` from `table`, picked by ctid; per site:
    how many. One site's are read along the (site_id, day) primary key of `visits`."""
    if rule.site_id is None:
        query = splice(SQL["delete_visits.every_site"], table=table)
        return await conn.fetch(query, rule.cutoff, batch_rows)
    query = splice(SQL["delete_visits.one_site"], table=table)
    return await conn.fetch(query, rule.cutoff, batch_rows, rule.site_id, rule.since)
