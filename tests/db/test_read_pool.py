"""PEIL_READ_DATABASE_URL (collector/db/read_pool.py) against a real hot standby:
a primary of this module's own, a standby made from it with the embedded
PostgreSQL's `pg_basebackup -R`, started on its own socket. Dashboard reads
through `read_connection(app)` are served by the standby, by the primary
while the standby is stopped, and by the standby again once it is back;
writes of the dashboard (a login's session, a token's last_used_at) land on
the primary all along."""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from collector.config import load_settings
from collector.db.migrate import prepare_database
from collector.keys import READ_POOL, read_connection
from collector.store.sites import add_site
from tests.support.accounts import add_account, add_token, cookie_session, log_in
from tests.support.app import running_app
from tests.support.wait import eventually_async

REPO = Path(__file__).resolve().parents[2]


def load_multinode():
    path = REPO / "benchmarks" / "multinode.py"
    spec = importlib.util.spec_from_file_location("peil_multinode_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cluster():
    """(primary URL, standby, its URL): database `peil` migrated, then the standby made.

    Not under pytest's tmp_path: its base directory is reset to mode 0700 by
    any other pytest run on the machine, and the servers run as their own user.
    """
    multinode = load_multinode()
    work = Path(tempfile.mkdtemp(prefix="peil-standby-"))
    work.chmod(0o755)
    primary = multinode.Server(work / "primary")
    standby = multinode.Standby(primary, work / "replica" / "pgdata")
    try:
        admin = primary.start()

        async def set_up() -> None:
            conn = await asyncpg.connect(admin)
            await conn.execute('CREATE DATABASE "peil"')
            await conn.close()
            conn = await asyncpg.connect(primary.url("peil"))
            await prepare_database(conn)
            await conn.close()

        asyncio.run(set_up())
        standby.create()
        standby.start()
        asyncio.run(standby.wait_replaying("peil"))
        yield primary.url("peil"), standby, standby.url("peil")
    finally:
        standby.close()
        primary.close()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
async def app(cluster, tmp_path):
    primary_url, _, standby_url = cluster
    settings = load_settings(
        {
            "PEIL_DATABASE_URL": primary_url,
            "PEIL_READ_DATABASE_URL": standby_url,
            "PEIL_DATA_DIR": str(tmp_path),
            "PEIL_PURGE_AT": "off",
        }
    )
    async with running_app(settings, primary_url) as running:
        running.app[READ_POOL].retry_after_s = 0.5
        yield running


async def replayed(standby_url: str, key: str) -> bool:
    conn = await asyncpg.connect(standby_url)
    try:
        return await conn.fetchval("SELECT EXISTS (SELECT FROM sites WHERE key = $1)", key)
    finally:
        await conn.close()


async def in_recovery(app) -> bool:
    async with read_connection(app) as conn:
        return await conn.fetchval("SELECT pg_is_in_recovery()")


async def test_reads_go_to_the_standby_and_to_the_primary_while_it_is_down(app, cluster):
    _, standby, _ = cluster
    assert await in_recovery(app.app), "a dashboard read must be served by the standby"
    await asyncio.to_thread(standby.stop, "immediate")
    try:
        # At once, not after a timeout: the primary answers while the standby is away.
        for _ in range(3):
            assert not await asyncio.wait_for(in_recovery(app.app), 5)
        assert app.app[READ_POOL].fallbacks >= 3
        assert not app.app[READ_POOL].standby_up
    finally:
        await asyncio.to_thread(standby.start)
    await eventually_async(lambda: in_recovery(app.app), what="reads back on the standby")


async def test_the_stats_api_answers_while_the_standby_is_down(app, cluster):
    primary_url, standby, _ = cluster
    primary = await asyncpg.connect(primary_url)
    try:
        await add_account(primary, "stats@example.nl", "correct horse battery", role="admin")
        _, token = await add_token(primary, "stats@example.nl")
        site = await add_site(primary, "Stats", ["stats.example.nl"], None, "UTC")
    finally:
        await primary.close()
    bearer = {"Authorization": f"Bearer {token}"}
    url = f"{app.url}/api/stats/realtime?site={site.key}"
    async with aiohttp.ClientSession() as http:
        await eventually_async(lambda: in_recovery(app.app), what="standby caught up")

        async def realtime() -> int:
            async with http.get(url, headers=bearer) as r:
                return r.status

        # The site was added a moment ago on the primary: once the standby has
        # replayed it, the standby answers.
        await eventually_async(lambda: _is(realtime(), 200), what="realtime from the standby")
        await asyncio.to_thread(standby.stop, "immediate")
        try:
            assert await realtime() == 200  # from the primary
            assert not app.app[READ_POOL].standby_up
        finally:
            await asyncio.to_thread(standby.start)


async def _is(status, expected: int) -> bool:
    return await status == expected


async def test_dashboard_writes_land_on_the_primary(app, cluster):
    primary_url, _, standby_url = cluster
    primary = await asyncpg.connect(primary_url)
    try:
        await add_account(primary, "reader@example.nl", "correct horse battery", role="admin")
        _, token = await add_token(primary, "reader@example.nl")
        site = await add_site(primary, "Export", ["export.example.nl"], None, "UTC")
    finally:
        await primary.close()
    async with cookie_session() as http:
        answer = await log_in(http, app.url, "reader@example.nl", "correct horse battery")
        assert answer.status == 303  # the session row was written
        bearer = {"Authorization": f"Bearer {token}"}
        async with http.get(f"{app.url}/api/sites", headers=bearer) as r:
            assert r.status == 200  # and so was the token's last_used_at
        await eventually_async(lambda: replayed(standby_url, site.key), what="site on the standby")
        async with http.get(f"{app.url}/api/export?site={site.key}", headers=bearer) as r:
            assert r.status == 200, await r.text()  # its audit row was written
            await r.read()
    primary = await asyncpg.connect(primary_url)
    try:
        assert not await primary.fetchval("SELECT pg_is_in_recovery()")
        assert await primary.fetchval("SELECT count(*) FROM sessions") >= 1
        assert await primary.fetchval(
            "SELECT last_used_at IS NOT NULL FROM api_tokens"
            " WHERE id = (SELECT max(id) FROM api_tokens)"
        )
        assert await primary.fetchval("SELECT count(*) FROM audit_log WHERE action = 'export'") == 1
    finally:
        await primary.close()
    # The standby has them through replication only.
    standby = await asyncpg.connect(standby_url)
    try:
        await eventually_async(
            lambda: standby.fetchval("SELECT count(*) >= 1 FROM sessions"), what="replayed"
        )
    finally:
        await standby.close()
