"""Reads for the dashboard and the stats API: a hot standby, or the primary while it is away.

With PEIL_READ_DATABASE_URL set (a physical streaming replica of
PEIL_DATABASE_URL, `hot_standby = on`), `ReadPool.acquire()` hands out a
connection to the standby, so dashboard queries do not compete with ingest
for the primary's CPU and cache. When the standby cannot be reached (connect
refused, nothing answering within CONNECT_TIMEOUT_S, a pooled connection
found dead), that read and every read for the next RETRY_AFTER_S seconds go
to the primary instead; the first read after that tries the standby again.
So the dashboard stays up while the standby restarts, and goes back to it
on its own.

Only reads go here. Whatever writes (sessions, settings, audit rows, a
token's last_used_at) takes the primary pool (`POOL`): a standby refuses
every write. Numbers read from the standby lag by its replay delay
(`pg_last_xact_replay_timestamp()`), a second or less on a healthy link.

Every acquired standby connection is checked with one round trip first, so
a standby that restarted costs no failed dashboard request, only a fallback.
A query the standby cancels because replay needs its rows ("conflict with
recovery") fails as any query error would; `hot_standby_feedback = on` on
the standby prevents that for dashboard-sized queries.

Tested in tests/db/test_read_pool.py against a real standby made with the
embedded PostgreSQL's `pg_basebackup -R`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 2.0
RETRY_AFTER_S = 5.0
COMMAND_TIMEOUT_S = 300
_LOST = (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError)
# Errors a standby answers with while it cannot serve reads yet (starting up,
# shutting down, or promoted away from its primary in a strange state).
_NOT_SERVING = (asyncpg.CannotConnectNowError, asyncpg.AdminShutdownError)


class ReadPool:
    """Connections for reads: the standby's pool when it answers, else the primary's."""

    def __init__(
        self,
        primary: asyncpg.Pool,
        standby_url: str | None,
        *,
        connect_timeout_s: float = CONNECT_TIMEOUT_S,
        retry_after_s: float = RETRY_AFTER_S,
        max_size: int = 10,
    ) -> None:
        self.primary = primary
        self.standby_url = standby_url
        self.connect_timeout_s = connect_timeout_s
        self.retry_after_s = retry_after_s
        self.max_size = max_size
        self._standby: asyncpg.Pool | None = None
        self._retry_at = 0.0  # monotonic; the standby is skipped until then
        self._was_down = False
        self.fallbacks = 0  # reads the primary served because the standby did not answer

    @property
    def standby_up(self) -> bool:
        """False while reads go to the primary because the standby did not answer."""
        return self.standby_url is not None and time.monotonic() >= self._retry_at

    async def start(self) -> None:
        """Create the standby's pool; it connects on first use (a standby down at start is fine)."""
        if self.standby_url is None:
            return
        self._standby = await asyncpg.create_pool(
            self.standby_url,
            min_size=0,
            max_size=self.max_size,
            timeout=self.connect_timeout_s,
            command_timeout=COMMAND_TIMEOUT_S,
            max_inactive_connection_lifetime=300,
            server_settings={"application_name": "peil-read"},
        )

    async def close(self) -> None:
        if self._standby is not None:
            await self._standby.close()
            self._standby = None

    def terminate(self) -> None:
        if self._standby is not None:
            self._standby.terminate()
            self._standby = None

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for reads, as `asyncpg.Pool.acquire()` gives one."""
        conn = await self._standby_connection()
        if conn is None:
            async with self.primary.acquire() as primary_conn:
                yield primary_conn
            return
        try:
            yield conn
        except _LOST:
            await self._down("connection lost")
            raise
        finally:
            await self._standby.release(conn)

    async def _standby_connection(self) -> asyncpg.Connection | None:
        if self._standby is None or not self.standby_up:
            if self._standby is not None:
                self.fallbacks += 1
            return None
        conn = None
        try:
            conn = await self._standby.acquire(timeout=self.connect_timeout_s)
            await conn.fetchval("SELECT 1", timeout=self.connect_timeout_s)
        except (*_LOST, *_NOT_SERVING) as exc:
            if conn is not None:
                conn.terminate()
                await self._standby.release(conn)
            await self._down(type(exc).__name__)
            self.fallbacks += 1
            return None
        if self._was_down:
            log.info("standby for reads answers again; reads go to it")
            self._was_down = False
        return conn

    async def _down(self, reason: str) -> None:
        if self.standby_up:
            log.warning(
                "standby for reads unreachable (%s); the primary serves them, retrying in %g s",
                reason,
                self.retry_after_s,
            )
        self._retry_at = time.monotonic() + self.retry_after_s
        self._was_down = True
        # Pooled connections opened before the outage are dead too: drop them.
        if self._standby is not None:
            await self._standby.expire_connections()
