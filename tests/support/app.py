"""Peil's app on a real aiohttp server on a loopback port, and a database that
refuses connections (an outage without stopping the shared server)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
from aiohttp import web

from collector.app import AccessLogger, make_app
from collector.config import Settings


@dataclass
class RunningApp:
    url: str
    app: web.Application
    runner: web.AppRunner


@asynccontextmanager
async def running_app(
    settings: Settings,
    database_url: str,
    prepare: Callable[[web.Application], None] = lambda app: None,
) -> AsyncIterator[RunningApp]:
    """Peil's app served by a real aiohttp server on a free loopback port; `prepare`
    may change the app before it starts."""
    app = make_app(settings, database_url)
    prepare(app)
    runner = web.AppRunner(app, access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield RunningApp(f"http://127.0.0.1:{port}", runner.app, runner)
    finally:
        await runner.cleanup()


@asynccontextmanager
async def database_refusing_connections(database_url, pg_admin_url):
    """PostgreSQL up but refusing this database, its open connections cut."""
    name = urlsplit(database_url).path.lstrip("/")
    admin = await asyncpg.connect(pg_admin_url)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()
