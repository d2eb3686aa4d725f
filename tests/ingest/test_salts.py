"""Daily salts: one per UTC day shared through PostgreSQL, tomorrow's made
ahead, yesterday's destroyed after the grace period, so visitor hashes
cannot be linked across days."""

from __future__ import annotations

import asyncpg
import pytest

from collector.ingest.enrich.visitor_hash import visitor_hash
from collector.ingest.salts import ROTATION_GRACE_S, SECONDS_PER_DAY, SaltKeeper

DAY = 20_000  # a UTC day number (2024-10-04)
MIDNIGHT = DAY * SECONDS_PER_DAY


@pytest.fixture
async def pool(database_url):
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    await pool.execute("DELETE FROM salts")
    yield pool
    await pool.close()


async def stored_days(pool) -> list[int]:
    rows = await pool.fetch("SELECT day - '1970-01-01'::date AS n FROM salts ORDER BY day")
    return [r["n"] for r in rows]


async def test_workers_share_todays_salt_and_tomorrows_is_ready(pool):
    first, second = SaltKeeper(pool), SaltKeeper(pool)
    await first.refresh(now=MIDNIGHT + 3600)
    await second.refresh(now=MIDNIGHT + 3600)
    assert first.salt(DAY) == second.salt(DAY)
    assert first.salt(DAY + 1) == second.salt(DAY + 1)
    assert first.salt(DAY) != first.salt(DAY + 1)
    assert len(first.salt(DAY)) == 32
    assert await stored_days(pool) == [DAY, DAY + 1]


async def test_yesterdays_salt_is_destroyed_after_the_grace_period(pool):
    keeper = SaltKeeper(pool)
    await keeper.refresh(now=MIDNIGHT - 60)  # yesterday evening: makes DAY-1 and DAY
    yesterday = keeper.salt(DAY - 1)
    await keeper.refresh(now=MIDNIGHT + ROTATION_GRACE_S - 1)
    assert await stored_days(pool) == [DAY - 1, DAY, DAY + 1]  # still in grace
    await keeper.refresh(now=MIDNIGHT + ROTATION_GRACE_S)
    assert await stored_days(pool) == [DAY, DAY + 1]
    assert keeper.salt(DAY - 1) is None  # gone from memory too
    assert yesterday not in {keeper.salt(DAY), keeper.salt(DAY + 1)}


async def test_same_visitor_gets_unlinkable_hashes_on_two_days(pool):
    keeper = SaltKeeper(pool)
    await keeper.refresh(now=MIDNIGHT + 10)
    ua, address = "Mozilla/5.0", bytes([203, 0, 113, 77])
    today = visitor_hash(keeper.salt(DAY), 1, address, ua)
    tomorrow = visitor_hash(keeper.salt(DAY + 1), 1, address, ua)
    assert today == visitor_hash(keeper.salt(DAY), 1, address, ua)
    assert today != tomorrow
