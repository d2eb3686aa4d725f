"""Ingest tests: loopback is a trusted proxy (so a test can send from any
address with X-Forwarded-For), no rate limit, and one site on example.nl."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from collector.config import load_settings
from tests.conftest import running_app


@pytest.fixture(scope="module")
def settings(env):
    return load_settings({**env, "PEIL_TRUSTED_PROXIES": "127.0.0.0/8", "PEIL_RATE_LIMIT": "0"})


@pytest.fixture(scope="module")
async def site(database_url):
    """A site on example.nl (subdomains included); returns its key and id."""
    conn = await asyncpg.connect(database_url)
    key = "site" + uuid.uuid4().hex[:8]
    site_id = await conn.fetchval(
        "INSERT INTO sites (key, name, domains) VALUES ($1, 'Example', '{example.nl}') "
        "RETURNING id",
        key,
    )
    await conn.close()
    return {"key": key, "id": site_id}


@pytest.fixture(scope="module")
async def server(settings, database_url, site):
    """The module's server, started after the site exists so it knows the site."""
    async with running_app(settings, database_url) as running:
        yield running
