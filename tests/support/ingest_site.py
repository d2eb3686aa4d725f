"""The setting of the ingest and durability tests: loopback is a trusted proxy
(so a test can send from any address with X-Forwarded-For), no rate limit,
and one site on example.nl. The fixtures at the end are imported by the
conftest.py of tests/ingest/ and tests/durable/."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg
import pytest

from collector.config import Settings, load_settings
from tests.support.app import running_app


def ingest_settings(env: Mapping[str, str]) -> Settings:
    return load_settings({**env, "PEIL_TRUSTED_PROXIES": "127.0.0.0/8", "PEIL_RATE_LIMIT": "0"})


async def add_example_site(database_url: str) -> dict[str, Any]:
    """A site on example.nl (subdomains included); its key and id."""
    conn = await asyncpg.connect(database_url)
    try:
        key = "site" + uuid.uuid4().hex[:8]
        site_id = await conn.fetchval(
            # Consent mode: the tests check uid/sid end to end (a cookieless site
            # stores none: tests/ingest/test_endpoint.py).
            "INSERT INTO sites (key, name, domains, consent)"
            " VALUES ($1, 'Example', '{example.nl}', 'required') RETURNING id",
            key,
        )
    finally:
        await conn.close()
    return {"key": key, "id": site_id}


@pytest.fixture(scope="module")
def settings(env):
    return ingest_settings(env)


@pytest.fixture(scope="module")
async def site(database_url):
    """A site on example.nl (subdomains included); its key and id."""
    return await add_example_site(database_url)


@pytest.fixture(scope="module")
async def server(settings, database_url, site):
    """The module's server, started after the site exists so it knows the site."""
    async with running_app(settings, database_url) as running:
        yield running
