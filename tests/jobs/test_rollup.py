"""The rollup job: folds new raw events incrementally, idempotent, exactly once
across a crash half-way, late events counted, aggregates kept after a purge."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from collector.db.connect import create_pool
from collector.jobs import rollup
from collector.jobs.scheduler import standard_jobs
from collector.store.rollups import ROLLUP_TABLES
from tests.dashboard.data import EXAMPLE_DAY, add_events, add_site, at

D = EXAMPLE_DAY


def visit(day, visitor, path="/"):
    return [
        {"ts": at(day, "10:00"), "visitor": visitor, "t": "pageview", "path": path},
        {"ts": at(day, "10:01"), "visitor": visitor, "t": "click", "path": path, "x": 0.1, "y": 1},
        {"ts": at(day, "10:02"), "visitor": visitor, "t": "videoLoad", "el": "video", "dur": 9.0},
    ]


async def snapshot(conn: asyncpg.Connection) -> dict[str, list]:
    """Every rollup row (without the fold time), in a stable order."""
    out = {}
    for table in ROLLUP_TABLES:
        rows = await conn.fetch(f"SELECT * FROM {table}")
        out[table] = sorted(tuple(v for k, v in r.items() if k != "folded_at") for r in rows)
    return out


async def forget_watermark(conn: asyncpg.Connection) -> None:
    """As on a fresh install: the next run folds every day with raw events."""
    await conn.execute("UPDATE rollup_state SET watermark = '-infinity'")


@pytest.fixture
async def sites(db):
    for table in ROLLUP_TABLES:
        await db.execute(f"DELETE FROM {table}")
    await db.execute("DELETE FROM events")
    one, two = await add_site(db, "Rollup one"), await add_site(db, "Rollup two", "Asia/Tokyo")
    for day in (D, D + timedelta(days=1), D + timedelta(days=3)):
        await add_events(db, one, *visit(day, 1), *visit(day, 2, "/b"))
        await add_events(db, two, *visit(day, 3))
    await forget_watermark(db)
    return one, two


async def test_serve_runs_the_rollup_job():
    assert "rollup" in [job.name for job in standard_jobs()]


async def test_folding_twice_gives_the_same_aggregates(db, sites):
    first = await rollup.fold_new(db)
    once = await snapshot(db)
    await forget_watermark(db)
    await rollup.fold_new(db)
    assert await snapshot(db) == once
    assert first.events == 27
    assert sum(len(rows) for rows in once.values()) > 0
    days = await db.fetch("SELECT pageviews, visitors FROM rollup_days ORDER BY site_id, day")
    assert [tuple(d) for d in days] == [(2, 2)] * 3 + [(1, 1)] * 3


async def test_a_run_that_dies_half_way_is_redone_exactly_once(db, sites):
    await rollup.fold_new(db)
    expected = await snapshot(db)
    for table in ROLLUP_TABLES:
        await db.execute(f"DELETE FROM {table}")
    await forget_watermark(db)

    async def crash_after_two_days(site_id, day):
        if len(done) == 1:
            raise RuntimeError("killed")
        done.append(day)

    done: list = []
    with pytest.raises(RuntimeError):
        await rollup.fold_new(db, after_day=crash_after_two_days)
    assert await db.fetchval("SELECT watermark = '-infinity' FROM rollup_state")
    assert await db.fetchval("SELECT count(*) FROM rollup_days") == 2
    await rollup.fold_new(db)
    assert await snapshot(db) == expected


async def test_new_events_are_folded_by_the_next_run_only_for_their_day(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, one, {"ts": now, "visitor": 5, "t": "pageview", "path": "/new"})
    report = await rollup.fold_new(db, sweep=False)
    today = now.date()  # site one is in UTC
    assert report.folded == [(one["id"], today)]
    assert (
        await db.fetchval(
            "SELECT pageviews FROM rollup_days WHERE site_id = $1 AND day = $2", one["id"], today
        )
        == 1
    )
    assert (await rollup.fold_new(db, sweep=False)).folded == [(one["id"], today)]
    assert await db.fetchval("SELECT sum(pageviews) FROM rollup_days") == 10


async def test_events_arriving_long_after_their_time_are_found_by_the_late_sweep(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    two_days_ago = await db.fetchval("SELECT now() - interval '2 days'")
    await add_events(db, one, {"ts": two_days_ago, "visitor": 6, "t": "pageview"})
    assert (await rollup.fold_new(db, sweep=False)).folded == []
    report = await rollup.fold_new(db, sweep=True)
    assert report.folded == [(one["id"], two_days_ago.date())]
    assert await db.fetchval("SELECT sum(pageviews) FROM rollup_days") == 10


async def test_aggregates_outlive_purged_raw_events(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    before = await snapshot(db)
    await db.execute("DELETE FROM events WHERE site_id = $1", one["id"])
    await forget_watermark(db)
    await rollup.fold_new(db, sweep=True)
    assert await snapshot(db) == before


async def test_the_job_function_runs_on_a_pool(database_url, db, sites):
    pool = await create_pool(database_url)
    try:
        await rollup.run(pool)
    finally:
        await pool.close()
    assert await db.fetchval("SELECT count(*) FROM rollup_days") == 6
    assert await db.fetchval("SELECT watermark > now() - interval '1 minute' FROM rollup_state")
