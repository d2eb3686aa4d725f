"""`peil demo`: three weeks of traffic that every stats endpoint can show at once,
added only once however often the command runs."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from tests.support.cli import run_cli


async def count_events(database_url: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def demo_run(env, database_url):
    started = time.monotonic()
    first = await asyncio.to_thread(run_cli, "demo", env=env)
    seconds = time.monotonic() - started
    events = await count_events(database_url)
    second = await asyncio.to_thread(run_cli, "demo", env=env)
    return first, second, seconds, events


async def test_demo_is_fast_and_adds_traffic_once(demo_run, database_url):
    first, second, seconds, events = demo_run
    assert first.code == second.code == 0
    assert seconds < 20
    assert events > 20_000
    assert await count_events(database_url) == events


async def test_every_endpoint_has_demo_data_at_once(demo_run, get, db):
    key, timezone = await db.fetchrow("SELECT key, timezone FROM sites WHERE name = 'Peil demo'")
    # The site's today, not the machine's: near midnight the two differ.
    last = datetime.now(ZoneInfo(timezone)).date()
    span = {"from": last - timedelta(days=20), "to": last}
    _, overview = await get("/api/stats/overview", site=key, **span)
    assert overview["pageviews"] > 5000
    assert 0.2 < overview["bounce_rate"] < 0.8
    assert all(day["visitors"] > 0 for day in overview["series"][:-1])
    _, countries = await get("/api/stats/breakdown", site=key, by="country", **span)
    assert countries["rows"][0]["key"] == "NL"
    _, media = await get("/api/stats/media", site=key, **span)
    assert len(media["media"]) == 3
    for item in media["media"]:
        assert item["plays"] > 0 and item["seeks"] > 0 and item["rewinds"] > 0
        assert item["retention"][0] > item["retention"][-1]  # people drop off
    _, clicks = await get("/api/stats/clicks", site=key, url="/pricing", **span)
    assert len(clicks["elements"]) == 4
