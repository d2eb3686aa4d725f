"""/healthz: ok while PostgreSQL answers; degraded (still 200: events are
spooled) as soon as it does not; ok again when it returns."""

from __future__ import annotations

import aiohttp

from tests.support.app import database_refusing_connections, running_app


async def get(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def test_healthz_follows_the_database(settings, database_url, pg_admin_url):
    async with running_app(settings, database_url) as app:
        status, body = await get(f"{app.url}/healthz")
        assert status == 200 and body["status"] == "ok" and body["queue_depth"] == 0
        async with database_refusing_connections(database_url, pg_admin_url):
            status, body = await get(f"{app.url}/healthz")
            assert status == 200
            assert body["status"] == "degraded" and body["database"] == "unreachable"
        status, body = await get(f"{app.url}/healthz")
        assert status == 200 and body["status"] == "ok"
