"""Partition upkeep: today's partition and the next DAYS_AHEAD days' exist
after the hourly job, whatever the date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from collector.db.partitions import DAYS_AHEAD, list_partitions
from collector.jobs import upkeep
from tests.support.jobs_data import reset


@pytest.fixture
async def pool(database_url):
    conn = await asyncpg.connect(database_url)
    await reset(conn)
    await conn.close()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


@pytest.mark.parametrize(
    "now",
    [
        datetime(2031, 12, 30, 23, 59, tzinfo=UTC),  # across a year end
        datetime(2032, 2, 27, 0, 0, tzinfo=UTC),  # across a leap day
    ],
)
async def test_upkeep_creates_today_and_the_days_ahead(pool, now):
    await upkeep.run(pool, now=now)
    expected = {now.date() + timedelta(days=n) for n in range(DAYS_AHEAD + 1)}
    async with pool.acquire() as conn:
        assert expected <= set(await list_partitions(conn))
    await upkeep.run(pool, now=now)  # idempotent


async def test_a_new_day_brings_one_more_partition(pool):
    day_one = datetime(2033, 3, 1, 12, tzinfo=UTC)
    await upkeep.run(pool, now=day_one)
    await upkeep.run(pool, now=day_one + timedelta(days=1))
    async with pool.acquire() as conn:
        days = [d for d in await list_partitions(conn) if d.year == 2033]
    assert days[-1] == (day_one + timedelta(days=1 + DAYS_AHEAD)).date()
