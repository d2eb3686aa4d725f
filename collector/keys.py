"""The typed keys of the state an aiohttp app of Peil holds."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from collector.config import Settings
from collector.durable.writer import Writer
from collector.jobs.scheduler import Scheduler
from collector.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
SCHEDULER = web.AppKey("scheduler", Scheduler)
WRITER = web.AppKey("writer", Writer)
METRICS = web.AppKey("metrics", Metrics)
