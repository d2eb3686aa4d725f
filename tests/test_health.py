"""/healthz: ok while PostgreSQL answers; degraded (still 200: events are
spooled) as soon as it does not; ok again when it returns."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp
import asyncpg

from tests.conftest import running_app


async def get(url: str) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.json()


async def test_healthz_follows_the_database(settings, database_url, pg_admin_url):
    name = urlsplit(database_url).path.lstrip("/")
    async with running_app(settings, database_url) as app:
        status, body = await get(f"{app.url}/healthz")
        assert status == 200 and body["status"] == "ok" and body["queue_depth"] == 0

        admin = await asyncpg.connect(pg_admin_url)
        try:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
            status, body = await get(f"{app.url}/healthz")
            assert status == 200
            assert body["status"] == "degraded" and body["database"] == "unreachable"
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            await admin.close()
        status, body = await get(f"{app.url}/healthz")
        assert status == 200 and body["status"] == "ok"
