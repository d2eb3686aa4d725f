"""The job table and the daily purge in `serve`: due times in UTC, `off`,
and a scheduler that runs a job when it is due."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest

from collector.config import load_settings
from collector.jobs.purge import next_run
from collector.jobs.scheduler import Job, Scheduler, standard_jobs


@pytest.mark.parametrize(
    ("after", "due"),
    [
        (datetime(2031, 5, 20, 1, 0, tzinfo=UTC), datetime(2031, 5, 20, 3, 30, tzinfo=UTC)),
        (datetime(2031, 5, 20, 3, 30, tzinfo=UTC), datetime(2031, 5, 21, 3, 30, tzinfo=UTC)),
        (datetime(2031, 5, 20, 23, 0, tzinfo=UTC), datetime(2031, 5, 21, 3, 30, tzinfo=UTC)),
        (datetime(2031, 12, 31, 4, 0, tzinfo=UTC), datetime(2032, 1, 1, 3, 30, tzinfo=UTC)),
    ],
)
def test_next_run_is_the_next_0330_utc(after, due):
    assert next_run(after, time(3, 30)) == due


def test_next_run_counts_in_utc_whatever_the_zone_of_now():
    from zoneinfo import ZoneInfo

    amsterdam = datetime(2031, 5, 20, 5, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))  # 03:00 UTC
    assert next_run(amsterdam, time(3, 30)) == datetime(2031, 5, 20, 3, 30, tzinfo=UTC)


def test_purge_job_follows_peil_purge_at():
    names = [job.name for job in standard_jobs(load_settings({}))]
    assert names == ["partition-upkeep", "rollup", "forget-requests", "purge"]
    assert [job.name for job in standard_jobs(load_settings({"PEIL_PURGE_AT": "off"}))] == [
        "partition-upkeep",
        "rollup",
        "forget-requests",
    ]
    [*_, purge] = standard_jobs(load_settings({"PEIL_PURGE_AT": "04:15"}))
    after = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)
    assert purge.due_after(after) == datetime(2031, 5, 21, 4, 15, tzinfo=UTC)


async def test_a_timed_job_runs_when_due_and_not_at_start():
    ran: list[datetime] = []
    twice = asyncio.Event()

    async def work(pool) -> None:
        ran.append(datetime.now(UTC))
        if len(ran) == 2:
            twice.set()

    started = datetime.now(UTC)
    step = timedelta(milliseconds=50)
    scheduler = Scheduler(None, [Job("soon", 3600, work, due_after=lambda after: after + step)])
    scheduler.start()
    try:
        await asyncio.wait_for(twice.wait(), 5)
    finally:
        await scheduler.stop()
    assert ran[0] >= started + step
    assert ran[1] >= ran[0] + step - timedelta(milliseconds=5)
