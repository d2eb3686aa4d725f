"""Forget and the visits (`visits`, `rollup_open_visits`, migration 0009): a
visit row holds the visitor hash of its events, so when a subject's events
go, every visit of the visitor hashes they carried goes too (on the days
around each event's UTC day, the hash's salt day), also for the rows a later
check deletes; every other visitor's visits stay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import pytest

from collector.db.partitions import ensure_partitions
from collector.privacy.forget import forget
from collector.privacy.requests import recheck
from collector.rollup import job as rollup
from tests.support.visitors import add_site

TARGET = "k3j9visits00uid1"


@pytest.fixture
async def sites(db):
    await db.execute("TRUNCATE events, forget_requests, audit_log, visits, rollup_open_visits")
    a, b = await add_site(db, "A"), await add_site(db, "B")
    # Local days 13 hours ahead of UTC: a visit's day is the UTC day after.
    await db.execute("UPDATE sites SET timezone = 'Pacific/Auckland' WHERE id = $1", b["id"])
    yield a, b
    await db.execute("TRUNCATE visits, rollup_open_visits")


async def add(
    conn: asyncpg.Connection, site_id: int, visitor: int, ts: datetime, uid: str | None = None
) -> None:
    """One pageview of `visitor` (its hash) at `ts`, with `uid` in consent mode."""
    await ensure_partitions(conn, ts.date(), ts.date())
    await conn.execute(
        "INSERT INTO events (ts, visitor, site_id, type, path, host, uid)"
        " VALUES ($1, $2, $3, 1, '/tour', 'www.example.nl', $4)",
        ts,
        visitor,
        site_id,
        uid,
    )


async def visits(conn: asyncpg.Connection) -> list[tuple]:
    """(site, visitor, first event) of every visit, closed days' and open days'."""
    rows = await conn.fetch(
        "SELECT site_id, visitor, first_ts FROM visits"
        " UNION ALL SELECT site_id, visitor, first_ts FROM rollup_open_visits"
        " ORDER BY 1, 2, 3"
    )
    return [tuple(r) for r in rows]


def at(days_back: int, hour: int) -> datetime:
    day = datetime.now(UTC).date() - timedelta(days=days_back)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


async def test_a_forget_deletes_every_visit_of_the_subjects_visitor_hashes(db, sites):
    a, b = sites
    now = datetime.now(UTC) - timedelta(minutes=1)
    # The subject on a closed day and on an open one, on two sites.
    await add(db, a["id"], 101, at(5, 14), TARGET)
    await add(db, a["id"], 101, at(5, 14) + timedelta(minutes=5), TARGET)
    await add(db, a["id"], 101, at(5, 9))  # before it consented: the same hash that day
    await add(db, a["id"], 111, now, TARGET)
    await add(db, b["id"], 102, at(5, 14), TARGET)  # local day: the UTC day after
    # Everyone else stays, the same hash on a far day (another salt) too.
    await add(db, a["id"], 201, at(5, 14), "someone-else")
    await add(db, a["id"], 301, at(5, 14))
    await add(db, a["id"], 301, now)
    await add(db, b["id"], 302, at(5, 14))
    await add(db, a["id"], 101, at(20, 14))
    await rollup.fold_new(db)
    before = await visits(db)
    assert {(s, v) for s, v, _ in before} >= {(a["id"], 101), (a["id"], 111), (b["id"], 102)}
    assert await db.fetchval("SELECT count(*) FROM visits") > 0
    assert await db.fetchval("SELECT count(*) FROM rollup_open_visits") > 0

    assert await forget(db, uid=TARGET, actor="test", batch_rows=1) == 4

    gone = {(a["id"], 101, at(5, 9)), (a["id"], 101, at(5, 14)), (a["id"], 111, now)}
    gone.add((b["id"], 102, at(5, 14)))
    assert await visits(db) == [v for v in before if v not in gone]
    assert (a["id"], 101, at(20, 14)) in await visits(db)
    detail = orjson.loads(await db.fetchval("SELECT detail FROM audit_log WHERE action = 'forget'"))
    assert (detail["rows"], detail["visits"]) == (4, 4)
    await rollup.fold_new(db)  # nothing brings them back
    assert await visits(db) == [v for v in before if v not in gone]


async def test_one_site_only_keeps_the_other_sites_visits(db, sites):
    a, b = sites
    await add(db, a["id"], 101, at(4, 12), TARGET)
    await add(db, b["id"], 102, at(4, 12), TARGET)
    await rollup.fold_new(db)
    assert await forget(db, uid=TARGET, site_id=b["id"], actor="test") == 1
    assert [(s, v) for s, v, _ in await visits(db)] == [(a["id"], 101)]


async def test_a_later_check_deletes_the_visits_of_the_rows_it_deletes(db, sites, tmp_path):
    a, _ = sites
    await forget(db, uid=TARGET, actor="test")
    requested_at = await db.fetchval("SELECT requested_at FROM forget_requests")
    # Written after the forget (a spool replayed late), folded before the check.
    await add(db, a["id"], 103, requested_at - timedelta(minutes=10), TARGET)
    await add(db, a["id"], 303, requested_at - timedelta(minutes=10))
    await rollup.fold_new(db)
    assert [(s, v) for s, v, _ in await visits(db)] == [(a["id"], 103), (a["id"], 303)]

    [check] = await recheck(db, spool_dir=tmp_path, retention_days=183, actor="serve")

    assert check.deleted == 1
    assert [(s, v) for s, v, _ in await visits(db)] == [(a["id"], 303)]


async def test_visits_a_rollup_run_writes_during_the_forget_go_once_it_is_over(
    db, sites, database_url
):
    """A run that read the events before their delete writes their visits after it:
    the forget deletes them again once that run lets go of the rollup's lock."""
    a, _ = sites
    await add(db, a["id"], 104, at(3, 12), TARGET)
    running = await asyncpg.connect(database_url)
    try:
        await running.execute("SELECT pg_advisory_lock($1)", rollup.ROLLUP_LOCK_KEY)
        forgetting = asyncio.create_task(forget(db, uid=TARGET, actor="test"))
        async with asyncio.timeout(20):
            while await running.fetchval("SELECT count(*) FROM events WHERE uid = $1", TARGET):
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert not forgetting.done()  # waiting for the run
        await running.execute(  # what the run writes from the rows it read
            "INSERT INTO visits (day, site_id, visitor, first_ts, last_ts, pageviews,"
            " interactions, eng) VALUES ($1, $2, 104, $3, $3, 1, 0, 0)",
            at(3, 12).date(),
            a["id"],
            at(3, 12),
        )
        await running.execute("SELECT pg_advisory_unlock($1)", rollup.ROLLUP_LOCK_KEY)
        async with asyncio.timeout(20):
            assert await forgetting == 1
    finally:
        await running.close()
    assert await visits(db) == []
