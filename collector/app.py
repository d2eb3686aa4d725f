"""The aiohttp application of one server process: routes, shared state, lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
from aiohttp import web

from collector import health
from collector.config import Settings
from collector.db.connect import create_pool
from collector.jobs.scheduler import Scheduler, standard_jobs

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
SCHEDULER = web.AppKey("scheduler", Scheduler)


def make_app(settings: Settings, database_url: str, *, run_jobs: bool = True) -> web.Application:
    """Build the app; the pool opens on startup and everything drains on cleanup.

    `run_jobs` is False in all but one worker so scheduled jobs run once.
    """
    app = web.Application()
    app[SETTINGS] = settings

    async def database(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = await create_pool(database_url)
        yield
        await app[POOL].close()

    async def scheduler(app: web.Application) -> AsyncIterator[None]:
        # Runs after `database` is up and stops before it closes (cleanup_ctx
        # unwinds in reverse order), so a job never sees a closed pool.
        app[SCHEDULER] = Scheduler(app[POOL], standard_jobs() if run_jobs else [])
        app[SCHEDULER].start()
        yield
        await app[SCHEDULER].stop()

    app.cleanup_ctx.extend([database, scheduler])
    app.router.add_get("/healthz", health.healthz)
    return app
