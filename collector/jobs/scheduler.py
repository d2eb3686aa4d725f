"""Every background job in one table: name, interval, function.

Each job runs once at start and then every `interval` seconds, unless it is
due at a time of day (`due_after`): then it runs only at those times. A
failing run is logged in one line and retried at the next interval (or due
time); it never stops the other jobs or the server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import asyncpg

from collector.config import Settings
from collector.jobs import forget_requests, purge, upkeep
from collector.model.periodic import repeat_every
from collector.rollup import job as rollup

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval_s: float
    run: Callable[[asyncpg.Pool], Awaitable[None]]
    # For jobs run at a time of day: the next moment the job is due, strictly
    # after the given one (then interval_s is only what a reader expects).
    due_after: Callable[[datetime], datetime] | None = None

    async def run_safely(self, pool: asyncpg.Pool) -> None:
        try:
            await self.run(pool)
        except Exception as exc:
            log.warning("job %s failed: %s", self.name, exc)


def standard_jobs(settings: Settings | None = None) -> list[Job]:
    jobs = [
        Job("partition-upkeep", 3600, upkeep.run),
        Job("rollup", rollup.INTERVAL_S, rollup.run),
    ]
    if settings is not None:
        check = partial(forget_requests.run, settings=settings)
        jobs.append(Job("forget-requests", forget_requests.INTERVAL_S, check))
    if settings is not None and settings.purge_at is not None:
        jobs.append(
            Job(
                "purge",
                24 * 3600,
                partial(purge.run, settings=settings),
                due_after=partial(purge.next_run, at=settings.purge_at),
            )
        )
    return jobs


# A sleep of a day drifts from the wall clock (NTP steps, suspend); waking at
# least this often re-aims at the due time.
LONGEST_SLEEP_S = 300.0


async def sleep_until(due: datetime) -> None:
    while (left := (due - datetime.now(UTC)).total_seconds()) > 0:
        await asyncio.sleep(min(left, LONGEST_SLEEP_S))


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
        if job.due_after is not None:
            await self._at_times(job, job.due_after)
            return
        await job.run_safely(self.pool)
        await repeat_every(job.interval_s, lambda: job.run(self.pool), f"run job {job.name}")

    async def _at_times(self, job: Job, due_after: Callable[[datetime], datetime]) -> None:
        """Run `job` each time it is due, forever."""
        due = due_after(datetime.now(UTC))
        while True:
            await sleep_until(due)
            await job.run_safely(self.pool)
            # After the due time, not after the end of the run: a run that
            # ends early (or a clock that lags) cannot make it run twice.
            due = due_after(max(due, datetime.now(UTC)))
