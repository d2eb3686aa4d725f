"""The purge as `serve` runs it: actor 'serve' in the audit row, and a run
that finds another purge busy is skipped, not failed."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from collector.config import load_settings
from collector.jobs import purge as purge_job
from collector.retention.purge import PURGE_LOCK_KEY
from tests.support.jobs_data import add_events, add_site, reset

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def pool(database_url):
    conn = await asyncpg.connect(database_url)
    await reset(conn)
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [NOW - timedelta(days=200), NOW])
    await conn.close()
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def test_scheduled_purge_runs_as_serve(pool, caplog):
    with caplog.at_level(logging.INFO, logger="collector.jobs.purge"):
        await purge_job.run(pool, load_settings({}), now=NOW)
    [row] = await pool.fetch("SELECT actor, detail FROM audit_log WHERE action = 'purge'")
    assert row["actor"] == "serve"
    assert json.loads(row["detail"])["partitions_dropped"] == {"events_20301101": 1}
    assert "purge removed 1 partition (1 rows) and 0 rows" in caplog.text


async def test_scheduled_purge_skips_while_another_runs(pool, database_url, caplog):
    holder = await asyncpg.connect(database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", PURGE_LOCK_KEY)
        with caplog.at_level(logging.INFO, logger="collector.jobs.purge"):
            await purge_job.run(pool, load_settings({}), now=NOW)
    finally:
        await holder.close()
    assert "purge skipped: another purge is running" in caplog.text
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0
