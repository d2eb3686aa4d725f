"""The scheduled step of `peil serve` that checks open forget requests:
it deletes the visitor's rows written after the forget and keeps the
request open within the margin; it finishes a forget that was cut off
before closing its request, and leaves one at work alone."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import timedelta

import asyncpg

from collector.jobs import forget_requests
from collector.jobs.scheduler import standard_jobs
from collector.privacy.forget import forget
from collector.privacy.requests import recheck
from tests.support.visitors import add_events, add_site, count


async def test_the_job_deletes_late_rows_of_an_open_request(db, database_url, settings):
    await db.execute("TRUNCATE events, forget_requests, audit_log")
    site = await add_site(db)
    await forget(db, uid="late-visitor", actor="test")
    requested_at = await db.fetchval("SELECT requested_at FROM forget_requests")
    await add_events(db, site["id"], 7, uid="late-visitor", ts=requested_at - timedelta(seconds=5))
    await add_events(db, site["id"], 3, uid="another", ts=requested_at - timedelta(seconds=5))
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        await forget_requests.run(pool, settings)
    finally:
        await pool.close()
    assert await count(db, "uid = 'late-visitor'") == 0
    assert await count(db, "uid = 'another'") == 3
    row = await db.fetchrow("SELECT rechecked, closed_at FROM forget_requests")
    assert row["rechecked"] == 7 and row["closed_at"] is None  # within the minute's margin


def test_serve_runs_it(settings):
    [job] = [j for j in standard_jobs(settings) if j.name == "forget-requests"]
    assert job.interval_s == forget_requests.INTERVAL_S


async def test_a_forget_cut_off_half_way_is_finished_by_the_next_check_not_closed(
    db, database_url, settings, tmp_path
):
    await db.execute("TRUNCATE events, forget_requests, audit_log")
    site = await add_site(db)
    await add_events(db, site["id"], 300, uid="cut-off", days_back=3)
    await add_events(db, site["id"], 5, uid="bystander", days_back=3)
    forgetter = await asyncpg.connect(database_url)
    deleting = asyncio.create_task(forget(forgetter, uid="cut-off", actor="test", batch_rows=1))
    while await count(db, "uid = 'cut-off'") > 290:
        await asyncio.sleep(0.01)
    await db.execute(  # the forget's connection dies: a killed `peil forget`
        "SELECT pg_terminate_backend($1)", forgetter.get_server_pid()
    )
    with suppress(Exception):
        await deleting
    left = await count(db, "uid = 'cut-off'")
    assert 0 < left < 300
    checks = await recheck(db, spool_dir=tmp_path, retention_days=183, actor="test", margin_s=0)
    assert [c.closed for c in checks] == [True]
    assert await count(db, "uid = 'cut-off'") == 0  # not closed with rows left behind
    assert await count(db, "uid = 'bystander'") == 5
    closed = await db.fetchrow("SELECT rechecked, completed_at FROM forget_requests")
    assert closed["rechecked"] == left and closed["completed_at"] is not None


async def test_a_check_leaves_a_forget_at_work_alone(db, database_url, settings, tmp_path):
    await db.execute("TRUNCATE events, forget_requests, audit_log")
    site = await add_site(db)
    await add_events(db, site["id"], 200, uid="slow", days_back=2)
    forgetter = await asyncpg.connect(database_url)
    try:
        deleting = asyncio.create_task(forget(forgetter, uid="slow", actor="test", batch_rows=1))
        while await db.fetchval("SELECT count(*) FROM forget_requests") == 0:
            await asyncio.sleep(0.01)
        checks = await recheck(db, spool_dir=tmp_path, retention_days=183, actor="test", margin_s=0)
        assert [c.closed for c in checks] == [False]  # its forget holds the request
        assert await deleting == 200
    finally:
        await forgetter.close()
