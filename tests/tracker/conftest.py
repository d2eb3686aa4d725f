"""Fixtures of the tracker tests: the real collector (PostgreSQL, aiohttp on 127.0.0.1), the
fixture-page server on http://localhost:PORT (another origin, as a real site), one Chromium
per module, and helpers to open pages and read the events the collector stored.

Each browser test gets its own site key (all created before the collector starts, since it
loads the sites then), so late beacons of one test never land among the rows of the next.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from collector.config import load_settings
from tests.support.app import RunningApp, running_app
from tests.support.browser import Browser, PageServer, Site, Stored, chromium, page_server

SITES_PER_MODULE = 40


@pytest.fixture(scope="module")
def settings(env):
    # The fixture pages tell page views apart by their query (spa.html?page=one,
    # consent.html?again): those parameters are kept, any other one is dropped.
    return load_settings({**env, "PEIL_RATE_LIMIT": "0", "PEIL_KEEP_QUERY": "page,again"})


@pytest.fixture(scope="module")
async def site_pool(database_url: str) -> list[tuple[str, int]]:
    """(key, id) of sites on `localhost`, one per test of the module."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            # Consent mode on the server: the consent pages' uid/sid are stored
            # (the cookieless pages send none).
            "INSERT INTO sites (key, name, domains, consent) "
            "SELECT 'trk' || g || $1, 'Tracker test ' || g, '{localhost}', 'required' "
            "FROM generate_series(1, $2) AS g RETURNING key, id",
            uuid.uuid4().hex[:8],
            SITES_PER_MODULE,
        )
    finally:
        await conn.close()
    return [(r["key"], r["id"]) for r in rows]


@pytest.fixture(scope="module")
async def collector(settings, database_url: str, site_pool) -> AsyncIterator[RunningApp]:
    """Peil's app on 127.0.0.1, started after the sites exist so it knows them."""
    async with running_app(settings, database_url) as running:
        yield running


@pytest.fixture(scope="module")
async def pages(collector: RunningApp) -> AsyncIterator[PageServer]:
    async with page_server(collector.url) as server:
        yield server


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with chromium() as b:
        yield b


@pytest.fixture
def site(site_pool: list[tuple[str, int]], pages: PageServer) -> Site:
    """A site of its own for this test; the fixture pages carry its key from now on."""
    assert site_pool, f"more than {SITES_PER_MODULE} browser tests: raise SITES_PER_MODULE"
    key, site_id = site_pool.pop(0)
    pages.site = key
    return Site(key, site_id)


@pytest.fixture
def stored(collector: RunningApp, site: Site) -> Stored:
    return Stored(collector, site)


@pytest.fixture
async def browse(browser: Any, pages: PageServer, site: Site) -> AsyncIterator[Browser]:
    opener = Browser(browser, pages)
    yield opener
    await opener.close()
