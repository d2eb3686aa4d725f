"""The typed keys of the state an aiohttp app of Peil holds."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

import asyncpg
from aiohttp import web

from collector.config import Settings
from collector.db.read_pool import ReadPool
from collector.durable.writer import Writer
from collector.jobs.scheduler import Scheduler
from collector.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
SCHEDULER = web.AppKey("scheduler", Scheduler)
WRITER = web.AppKey("writer", Writer)
METRICS = web.AppKey("metrics", Metrics)
READ_POOL = web.AppKey("read_pool", ReadPool)


def read_connection(app: web.Application) -> AbstractAsyncContextManager[asyncpg.Connection]:
    """A connection for dashboard and stats API reads: the standby of
    PEIL_READ_DATABASE_URL when it answers, else the primary (collector/db/read_pool.py).
    Never for writes (sessions, settings, audit rows, last_used_at): those use POOL."""
    return app[READ_POOL].acquire()
