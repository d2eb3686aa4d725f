"""Forget on a real server whose writer is held back: the events it answered
202 before the forget but had not written yet (its spool backlog) are
deleted by the forget request's later check once the writer has written
them, and the request stays open until then; a forget during ingest leaves
every other visitor's events whole."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from aiohttp import web

from collector.app import AccessLogger, make_app
from collector.keys import WRITER
from collector.privacy.forget import forget
from collector.privacy.requests import recheck
from tests.support.app import RunningApp
from tests.support.client import body, new_id, post, post_no_flush
from tests.support.ingest_site import add_example_site, ingest_settings
from tests.support.visitors import add_events, count

TARGET = "backlogvisitor01"


@pytest.fixture(scope="module")
def settings(env):
    return ingest_settings(env)


@pytest.fixture(scope="module")
async def site(database_url):
    site = await add_example_site(database_url)
    conn = await asyncpg.connect(database_url)
    try:  # consent mode: the tracker sends uid/sid only there
        await conn.execute("UPDATE sites SET consent = 'required' WHERE id = $1", site["id"])
    finally:
        await conn.close()
    return site


@asynccontextmanager
async def server_without_jobs(settings, database_url) -> AsyncIterator[RunningApp]:
    """The real app on a loopback port, with no scheduled jobs: the test runs
    the forget request's checks itself, at the moments it means."""
    app = make_app(settings, database_url, run_jobs=False)
    runner = web.AppRunner(app, access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield RunningApp(f"http://127.0.0.1:{runner.addresses[0][1]}", runner.app, runner)
    finally:
        await runner.cleanup()


def pageviews(n: int) -> list[dict]:
    return [{"id": new_id(), "t": "pageview"} for _ in range(n)]


async def test_events_in_the_spool_at_the_forget_go_once_written(settings, database_url, site, db):
    async with server_without_jobs(settings, database_url) as server:
        writer = server.app[WRITER]
        status, _, _ = await post(server, body(site, pageviews(3), uid=TARGET, sid="s1"))
        assert status == 202 and await count(db, "uid = $1", TARGET) == 3
        await writer._busy.acquire()  # the writer cannot write a batch until released
        try:
            for _ in range(5):
                batch = body(site, pageviews(2), uid=TARGET, sid="s1")
                assert (await post_no_flush(server, batch))[0] == 202
            other = body(site, pageviews(4), uid="someone-else", sid="s2")
            assert (await post_no_flush(server, other))[0] == 202
            assert await count(db, "uid = $1", TARGET) == 3  # 10 more wait in the spool

            assert await forget(db, uid=TARGET, actor="test") == 3
            [check] = await recheck(
                db, spool_dir=settings.spool_dir, retention_days=183, actor="serve", margin_s=0
            )
            assert (check.deleted, check.closed) == (0, False)  # the backlog is not written yet
        finally:
            writer._busy.release()
        await writer.flush()
        assert await count(db, "uid = $1", TARGET) == 10

        [check] = await recheck(
            db, spool_dir=settings.spool_dir, retention_days=183, actor="serve", margin_s=0
        )

    assert (check.deleted, check.closed) == (10, True)
    assert await count(db, "uid = $1", TARGET) == 0
    assert await count(db, "uid = 'someone-else'") == 4
    rows = await db.fetchval(
        "SELECT (detail->>'rows')::int FROM audit_log WHERE action = 'forget-close'"
    )
    assert rows == 10


async def test_a_forget_during_ingest_leaves_every_other_visitor_whole(
    settings, database_url, site, db
):
    await add_events(db, site["id"], 20_000, uid="bulk-target", days_back=2)
    sent: list[str] = []

    async def ingest(server) -> None:
        for i in range(40):
            events = pageviews(5)
            sent.extend(e["id"] for e in events)
            batch = body(site, events, uid=f"other-{i}", sid=f"s-{i}")
            assert (await post_no_flush(server, batch))[0] == 202

    async with server_without_jobs(settings, database_url) as server:
        forgetting = asyncio.create_task(
            forget(db, uid="bulk-target", actor="test", batch_rows=1000)
        )
        await ingest(server)
        deleted = await forgetting
        await server.app[WRITER].flush()

    assert deleted == 20_000
    assert await count(db, "uid = 'bulk-target'") == 0
    assert await count(db, "client_id = ANY($1)", sent) == len(sent) == 200
    assert await count(db, "uid LIKE 'other-%'") == 200
