"""The scheduled step of `peil serve` that checks open forget requests:
it deletes the visitor's rows written after the forget and keeps the
request open within the margin; with no open request it changes nothing."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from collector.jobs import forget_requests
from collector.jobs.scheduler import standard_jobs
from collector.privacy.forget import forget
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
