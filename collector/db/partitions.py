"""Day partitions of `events`: names, creation ahead of time, listing, removal.

One partition per UTC day, named events_YYYYMMDD, so retention can drop a
whole day at once and an operator can read the day off the table name.
Every identifier and bound in the DDL here is built from a date, never
from input, and put into the statement by collector/db/splice.py.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, date, datetime, timedelta

import asyncpg

from collector.db.queries import load
from collector.db.splice import splice

SQL = load(__name__)
log = logging.getLogger(__name__)

# Serialises partition DDL between workers; see MIGRATION_LOCK_KEY.
PARTITION_LOCK_KEY = 0x7065696C_0002

# Today plus this many days always exist (DESIGN.md: partitions ahead).
DAYS_AHEAD = 3

# Each partition's unique index of client event ids (exactly once across
# nodes, collector/durable/exactly_once.py) is dropped once the partition is
# this many days old: a retry or a spool replay that late is not expected,
# and the index would cost disk for the whole retention.
ID_INDEX_DAYS = 7

# Set on a partition just before the purge detaches it. Detaching and dropping
# cannot share one transaction (DETACH ... CONCURRENTLY refuses to run inside
# one), so a purge interrupted in between leaves a plain table of expired
# events behind; this mark lets the next purge find and drop it, without ever
# touching a table an operator detached on purpose.
EXPIRED_MARK = "peil: expired partition, detached to be dropped"

# The fallback plain DETACH locks all of `events`, and every ingest COPY
# queues behind a waiting lock request: give up quickly and try again rather
# than stall ingest behind a long-running query.
PLAIN_DETACH_LOCK_TIMEOUT = "100ms"
PLAIN_DETACH_ATTEMPTS = 50

_NAME = re.compile(r"^events_(\d{8})$")


def partition_name(day: date) -> str:
    return f"events_{day:%Y%m%d}"


def client_id_index_name(day: date) -> str:
    return f"{partition_name(day)}_client_id"


def partition_day(name: str) -> date | None:
    match = _NAME.match(name)
    return datetime.strptime(match[1], "%Y%m%d").date() if match else None


def utc_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(UTC).date()


def day_start(day: date) -> datetime:
    """The first instant of a UTC day: the partition's lower bound."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_end(day: date) -> datetime:
    """The partition's (exclusive) upper bound."""
    return day_start(day) + timedelta(days=1)


async def ensure_partitions(conn: asyncpg.Connection, first_day: date, last_day: date) -> list[str]:
    """Create the missing day partitions from first_day to last_day inclusive."""
    created = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", PARTITION_LOCK_KEY)
        existing = set(await list_partitions(conn))
        day = first_day
        while day <= last_day:
            if day not in existing:
                await conn.execute(
                    splice(
                        SQL["ensure_partitions.create"],
                        partition=partition_name(day),
                        day_start=day_start(day).isoformat(),
                        day_end=day_end(day).isoformat(),
                    )
                )
                await conn.execute(
                    splice(
                        SQL["ensure_partitions.client_ids"],
                        partition=partition_name(day),
                        index=client_id_index_name(day),
                    )
                )
                created.append(partition_name(day))
            day += timedelta(days=1)
    return created


async def ensure_partitions_ahead(
    conn: asyncpg.Connection, now: datetime | None = None
) -> list[str]:
    """Today's partition and the next DAYS_AHEAD days'; and the client id
    indexes of partitions older than ID_INDEX_DAYS dropped."""
    today = utc_today(now)
    created = await ensure_partitions(conn, today, today + timedelta(days=DAYS_AHEAD))
    await drop_client_id_indexes(conn, today - timedelta(days=ID_INDEX_DAYS))
    return created


async def drop_client_id_indexes(conn: asyncpg.Connection, before: date) -> list[str]:
    """Drop the client id indexes of the partitions of days before `before`."""
    dropped = []
    for r in await conn.fetch(SQL["drop_client_id_indexes.list"]):
        day = partition_day(r["partition"])
        if day is not None and day < before:
            # DROP INDEX locks the partition out; behind a long read of that day
            # (an export, a refold) it would hold every later read up. So it
            # waits a moment at most and is tried again at the next upkeep.
            try:
                async with conn.transaction():
                    await conn.execute("SET LOCAL lock_timeout = '2s'")
                    await conn.execute(splice(SQL["drop_client_id_indexes.drop"], index=r["index"]))
            except asyncpg.LockNotAvailableError:
                continue
            dropped.append(r["index"])
    return dropped


async def list_partitions(conn: asyncpg.Connection) -> list[date]:
    """Days that have a partition, oldest first."""
    rows = await conn.fetch(SQL.list_partitions)
    days = [partition_day(r["relname"]) for r in rows]
    return sorted(d for d in days if d is not None)


def missing_ahead(existing: list[date], now: datetime) -> list[date]:
    """Days from today to DAYS_AHEAD days on that have no partition yet."""
    today, have = utc_today(now), set(existing)
    ahead = (today + timedelta(days=n) for n in range(DAYS_AHEAD + 1))
    return [day for day in ahead if day not in have]


async def pending_detach(conn: asyncpg.Connection) -> set[date]:
    """Partitions whose DETACH ... CONCURRENTLY was interrupted half-way."""
    if conn.get_server_version().major < 14:
        return set()  # no CONCURRENTLY, so nothing can be half-way
    rows = await conn.fetch(SQL.pending_detach)
    return {day for r in rows if (day := partition_day(r["relname"])) is not None}


async def count_rows(conn: asyncpg.Connection, day: date) -> int:
    return await conn.fetchval(splice(SQL.count_rows, partition=partition_name(day)))


async def mark_expired(conn: asyncpg.Connection, day: date) -> None:
    await conn.execute(splice(SQL.mark_expired, partition=partition_name(day), mark=EXPIRED_MARK))


async def marked_leftovers(conn: asyncpg.Connection) -> list[date]:
    """Marked day tables that are no longer partitions of `events`: an earlier
    purge detached them and was interrupted before it dropped them."""
    rows = await conn.fetch(SQL.marked_leftovers, EXPIRED_MARK)
    days = [partition_day(r["relname"]) for r in rows]
    return sorted(d for d in days if d is not None)


async def detach_partition(conn: asyncpg.Connection, day: date, *, pending: bool = False) -> str:
    """Detach a day partition from `events` without stalling ingest; say how.

    Must run outside a transaction block. `pending`: an earlier DETACH
    CONCURRENTLY was interrupted; PostgreSQL only allows finishing it.
    """
    name = partition_name(day)
    if pending:
        await conn.execute(splice(SQL["detach_partition.finalize"], partition=name))
        return "finalized"
    try:
        # CONCURRENTLY takes only a SHARE UPDATE EXCLUSIVE lock on `events`,
        # which COPY and INSERT do not wait for.
        await conn.execute(splice(SQL["detach_partition.concurrently"], partition=name))
        return "concurrently"
    except (
        asyncpg.ObjectNotInPrerequisiteStateError,  # the table has a default partition
        asyncpg.FeatureNotSupportedError,
        asyncpg.PostgresSyntaxError,  # PostgreSQL before 14 has no CONCURRENTLY
    ):
        pass
    # PostgreSQL refuses CONCURRENTLY when `events` has a default partition
    # (Peil creates none; an operator might) or before version 14. Plain DETACH
    # takes an ACCESS EXCLUSIVE lock on `events`: held only for a catalog
    # change, but requested with a short lock_timeout so that a long query
    # cannot make ingest queue up behind the waiting request.
    log.warning("cannot detach %s concurrently; detaching it with a brief lock on events", name)
    attempt = 1
    while True:
        try:
            async with conn.transaction():
                # SET LOCAL, with the value as a parameter.
                await conn.execute(
                    "SELECT set_config('lock_timeout', $1, true)", PLAIN_DETACH_LOCK_TIMEOUT
                )
                await conn.execute(splice(SQL["detach_partition.locked"], partition=name))
            return "locked"
        except asyncpg.LockNotAvailableError:
            if attempt == PLAIN_DETACH_ATTEMPTS:
                raise
            await asyncio.sleep(min(2.0, 0.05 * 2**attempt))
            attempt += 1


async def drop_detached(conn: asyncpg.Connection, day: date) -> None:
    """Drop a day table that is no longer a partition of `events`."""
    await conn.execute(splice(SQL.drop_detached, partition=partition_name(day)))
