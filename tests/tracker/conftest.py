"""Fixtures of the tracker tests: the real collector (PostgreSQL, aiohttp on 127.0.0.1), the
fixture-page server on http://localhost:PORT (another origin, as a real site), one Chromium
per module, and helpers to open pages and read the events the collector stored.

Each browser test gets its own site key (all created before the collector starts, since it
loads the sites then), so late beacons of one test never land among the rows of the next.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import pytest

from collector.config import load_settings
from collector.ingest.codes import EVENT_NAMES, EVENT_TYPES
from collector.keys import POOL, WRITER
from tests.conftest import RunningApp, running_app
from tests.tracker.harness import PageServer, chromium, page_server

# Headless Chromium says "HeadlessChrome", which the collector drops as a bot.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SITES_PER_MODULE = 40


@pytest.fixture(scope="module")
def settings(env):
    return load_settings({**env, "PEIL_RATE_LIMIT": "0"})


@pytest.fixture(scope="module")
async def site_pool(database_url: str) -> list[tuple[str, int]]:
    """(key, id) of sites on `localhost`, one per test of the module."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "INSERT INTO sites (key, name, domains) "
            "SELECT 'trk' || g || $1, 'Tracker test ' || g, '{localhost}' "
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


@dataclass
class Site:
    key: str
    id: int


@pytest.fixture
def site(site_pool: list[tuple[str, int]], pages: PageServer) -> Site:
    """A site of its own for this test; the fixture pages carry its key from now on."""
    assert site_pool, f"more than {SITES_PER_MODULE} browser tests: raise SITES_PER_MODULE"
    key, site_id = site_pool.pop(0)
    pages.site = key
    return Site(key, site_id)


@dataclass
class Stored:
    """The rows the collector wrote for one site, as dicts with the type name in "t"."""

    collector: RunningApp
    site: Site

    async def rows(self, *types: str) -> list[dict[str, Any]]:
        await self.collector.app[WRITER].flush()
        codes = [EVENT_TYPES[t] for t in types] or list(EVENT_NAMES)
        rows = await self.collector.app[POOL].fetch(
            "SELECT * FROM events WHERE site_id = $1 AND type = ANY($2::smallint[]) "
            "ORDER BY ts, seq",
            self.site.id,
            codes,
        )
        return [{"t": EVENT_NAMES[r["type"]], **dict(r)} for r in rows]

    async def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 15.0
    ) -> list[dict[str, Any]]:
        """Poll until predicate(all rows of the site) holds (beacons are asynchronous)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            rows = await self.rows()
            if predicate(rows):
                return rows
            if loop.time() > deadline:
                raise AssertionError(
                    f"timed out after {timeout} s; stored: {[r['t'] for r in rows]}"
                )
            await asyncio.sleep(0.1)

    async def settle(self, seconds: float = 0.7) -> list[dict[str, Any]]:
        """All rows after giving in-flight beacons time to arrive (to show nothing came)."""
        await asyncio.sleep(seconds)
        return await self.rows()


@pytest.fixture
def stored(collector: RunningApp, site: Site) -> Stored:
    return Stored(collector, site)


@dataclass
class Tab:
    """An open page in a context of its own, with what the test may want to check."""

    page: Any
    context: Any
    api_posts: list[Any] = field(default_factory=list)  # requests to the collector's API
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    async def close(self) -> None:
        """Close like a user closing the tab: pagehide and visibilitychange fire. The
        context stays open (until the test ends) so the beacons sent now are not cut."""
        await self.page.close(run_before_unload=True)


class Browser:
    """Opens fixture pages like a desktop Chrome user (not "HeadlessChrome")."""

    def __init__(self, browser: Any, pages: PageServer) -> None:
        self.browser = browser
        self.pages = pages
        self.contexts: list[Any] = []

    async def new_context(self, init: str | None = None) -> Any:
        context = await self.browser.new_context(
            user_agent=USER_AGENT,
            viewport={"width": 1000, "height": 600},
            screen={"width": 1920, "height": 1080},
            locale="nl-NL",
        )
        if init:
            await context.add_init_script(init)
        self.contexts.append(context)
        return context

    async def open(
        self, name: str, init: str | None = None, *, url: str | None = None, wait: bool = True
    ) -> Tab:
        """Open pages/NAME (or `url`); `wait`: until peil.js has started."""
        context = await self.new_context(init)
        page = await context.new_page()
        tab = Tab(page, context)
        api = self.pages.collector + "/api/events"
        context.on("request", lambda r: r.url == api and tab.api_posts.append(r))
        context.on("requestfailed", lambda r: tab.failed_requests.append(r.url))
        page.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
        page.on("pageerror", lambda e: tab.page_errors.append(str(e)))
        await page.goto(url or f"{self.pages.base}/{name}")
        if wait:
            await page.wait_for_function("window.peil && window.peil.v")
        return tab

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest.fixture
async def browse(browser: Any, pages: PageServer, site: Site) -> AsyncIterator[Browser]:
    opener = Browser(browser, pages)
    yield opener
    await opener.close()
