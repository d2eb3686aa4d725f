"""Which node runs the scheduled jobs: the one holding the jobs lock.

Several `peil serve` nodes may share one PostgreSQL; exactly one of them
runs the rollup, upkeep, purge and forget checks. Each node's jobs process
keeps one connection of its own and asks for a session advisory lock
(`pg_try_advisory_lock(JOBS_LOCK_KEY)`) every `TRY_EVERY_S` seconds; the one
that gets it starts its scheduler and checks its connection every
`CHECK_EVERY_S` seconds. When that node dies, PostgreSQL drops its
connection and with it the lock, and another node takes over at its next
try. The connection asks PostgreSQL to probe a silent peer (TCP keepalives),
so a node that vanished without closing its socket also loses the lock
within about `KEEPALIVE_IDLE_S + KEEPALIVE_INTERVAL_S * KEEPALIVE_COUNT`
seconds: takeover stays within a minute.

A holder that loses its connection stops its jobs at once. Between that
moment and its noticing, a new holder may already have started; the purge
and the rollup hold advisory locks of their own, so neither ever runs twice
at once. The holder's connection is named `peil-jobs <host> pid <pid>`
(`application_name`), which `peil status` shows.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from contextlib import suppress

import asyncpg

from collector.db.queries import load
from collector.jobs.scheduler import Scheduler

SQL = load(__name__)
log = logging.getLogger(__name__)

JOBS_LOCK_KEY = 0x7065696C_0004  # "peil" + 4
TRY_EVERY_S = 10.0
CHECK_EVERY_S = 5.0
CHECK_TIMEOUT_S = 5.0
KEEPALIVE_IDLE_S = 10
KEEPALIVE_INTERVAL_S = 5
KEEPALIVE_COUNT = 3
APPLICATION_PREFIX = "peil-jobs"


def node_name() -> str:
    return f"{APPLICATION_PREFIX} {socket.gethostname()} pid {os.getpid()}"


async def lock_connection(database_url: str, name: str) -> asyncpg.Connection:
    return await asyncpg.connect(
        database_url,
        server_settings={
            "application_name": name[:63],
            "tcp_keepalives_idle": str(KEEPALIVE_IDLE_S),
            "tcp_keepalives_interval": str(KEEPALIVE_INTERVAL_S),
            "tcp_keepalives_count": str(KEEPALIVE_COUNT),
        },
    )


async def lead_jobs(
    database_url: str,
    scheduler: Callable[[], Scheduler],
    stop: asyncio.Event,
    *,
    name: str | None = None,
    try_every_s: float = TRY_EVERY_S,
    check_every_s: float = CHECK_EVERY_S,
) -> None:
    """Until `stop`: hold the jobs lock whenever no other node does, and run the
    scheduler `scheduler()` makes exactly while holding it."""
    name = name or node_name()
    while not stop.is_set():
        conn = None
        try:
            conn = await lock_connection(database_url, name)
            if await conn.fetchval("SELECT pg_try_advisory_lock($1)", JOBS_LOCK_KEY):
                await _hold(conn, scheduler(), stop, check_every_s)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("jobs lock: no database (%s); trying again", type(exc).__name__)
        finally:
            if conn is not None:
                with suppress(Exception):
                    await asyncio.wait_for(conn.close(), CHECK_TIMEOUT_S)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), try_every_s)


async def _hold(
    conn: asyncpg.Connection, scheduler: Scheduler, stop: asyncio.Event, check_every_s: float
) -> None:
    log.info("this node runs the scheduled jobs")
    scheduler.start()
    try:
        while not stop.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), check_every_s)
            if stop.is_set():
                break
            try:
                await asyncio.wait_for(conn.fetchval("SELECT 1"), CHECK_TIMEOUT_S)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                log.warning("lost the jobs lock with its connection; the jobs stop here")
                return
    finally:
        await scheduler.stop()


async def jobs_holder(conn: asyncpg.Connection) -> str | None:
    """The application name of the connection holding the jobs lock, or None."""
    return await conn.fetchval(SQL.jobs_holder, JOBS_LOCK_KEY >> 32, JOBS_LOCK_KEY & 0xFFFFFFFF)
