"""Daily salts: one per UTC day shared through PostgreSQL, tomorrow's made
ahead, yesterday's destroyed after the grace period, so visitor hashes
cannot be linked across days (privacy rule 2), also end to end through ingest."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import asyncpg
import pytest

from collector.ingest import salts
from collector.ingest.enrich.visitor_hash import visitor_hash
from collector.ingest.handlers import INGEST
from collector.ingest.salts import ROTATION_GRACE_S, SECONDS_PER_DAY, SaltKeeper
from tests.support.app import running_app
from tests.support.client import body, post

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


async def test_through_ingest_the_next_day_is_another_hash_and_the_old_salt_is_gone(
    settings, database_url, site, db, monkeypatch
):
    """The same visitor (address, user agent) through the real endpoint before and
    after a UTC midnight: the clock of the salts moves a day on (the rest of the
    server keeps the real one), every worker's minutely refresh runs, and the hash
    changes while yesterday's salt is gone from memory and from the salts table."""
    real_time = time.time
    ahead = [0.0]
    monkeypatch.setattr(salts, "time", SimpleNamespace(time=lambda: real_time() + ahead[0]))
    ids = [uuid.uuid4().hex, uuid.uuid4().hex]
    async with running_app(settings, database_url) as app:
        keeper = app.app[INGEST].salts
        today = salts.utc_day_number()
        old_salt = keeper.salt(today)
        assert old_salt is not None
        status, _, _ = await post(app, body(site, [{"id": ids[0], "t": "pageview"}]))
        assert status == 202
        # the next UTC day, just past the grace period
        ahead[0] = (today + 1) * SECONDS_PER_DAY + ROTATION_GRACE_S - real_time()
        await keeper.refresh()
        status, _, _ = await post(app, body(site, [{"id": ids[1], "t": "pageview"}]))
        assert status == 202
        assert keeper.salt(today) is None
    rows = await db.fetch(
        "SELECT client_id, visitor, uid, sid FROM events WHERE client_id = ANY($1)", ids
    )
    by_id = {r["client_id"]: r for r in rows}
    assert by_id[ids[0]]["visitor"] != by_id[ids[1]]["visitor"]
    assert {(r["uid"], r["sid"]) for r in rows} == {(None, None)}  # cookieless: no other id
    stored = await db.fetch("SELECT day - '1970-01-01'::date AS n, salt FROM salts ORDER BY day")
    assert [r["n"] for r in stored] == [today + 1, today + 2]
    assert old_salt not in [bytes(r["salt"]) for r in stored]
