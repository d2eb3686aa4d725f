"""Every background job in one table: name, interval, function.

Each job runs once at start and then every `interval` seconds. A failing run
is logged in one line and retried at the next interval; it never stops the
other jobs or the server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from collector.jobs import upkeep

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval_s: float
    run: Callable[[asyncpg.Pool], Awaitable[None]]

    async def run_safely(self, pool: asyncpg.Pool) -> None:
        try:
            await self.run(pool)
        except Exception as exc:
            log.warning("job %s failed: %s", self.name, exc)


async def repeat_every(interval_s: float, work: Callable[[], Awaitable[object]], what: str) -> None:
    """Run `work` every `interval_s` seconds, forever; a failure is one log line, not the end."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await work()
        except Exception as exc:
            log.warning("could not %s: %s", what, exc)


def standard_jobs() -> list[Job]:
    return [Job("partition-upkeep", 3600, upkeep.run)]


class Scheduler:
    def __init__(self, pool: asyncpg.Pool, jobs: list[Job]) -> None:
        self.pool = pool
        self.jobs = jobs
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=job.name) for job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _loop(self, job: Job) -> None:
        await job.run_safely(self.pool)
        await repeat_every(job.interval_s, lambda: job.run(self.pool), f"run job {job.name}")
