"""Browser-test helpers: Debian's Chromium driven by Playwright, and the server of the
fixture pages (the "site" of the tests, on its own origin, separate from the collector).

Fixture pages (tests/tracker/pages/*.html) have placeholders, filled in per request:
`{{SITE}}` the site key of the current test, `{{COLLECTOR}}` the collector's origin (where
peil.js and /api/events are), `{{DEAD}}` an origin on which nothing accepts connections.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from collector.keys import POOL, WRITER
from collector.model.vocabulary import EVENT_NAMES, EVENT_TYPES
from tests.support.app import RunningApp

REPO = Path(__file__).resolve().parents[2]
TRACKER_JS = REPO / "tracker_js"
DIST = TRACKER_JS / "dist" / "peil.js"
PAGES = REPO / "tests" / "tracker" / "pages"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # media.html plays muted video from page.evaluate, without a user gesture
    "--autoplay-policy=no-user-gesture-required",
]


@dataclass
class PageServer:
    """The fixture pages on http://localhost:PORT; `site` is set by each test."""

    base: str
    collector: str
    dead: str
    site: str = ""


@asynccontextmanager
async def page_server(collector: str) -> AsyncIterator[PageServer]:
    """Serve PAGES and a copy of the built peil.js on a free loopback port.

    The base URL uses the host name `localhost` while the collector is at 127.0.0.1, so
    the tracker posts cross-origin, as from a real site to its collector.
    """
    # Bound but never listening: connections are refused, and no other process can take
    # the port while the pages point at it.
    dead_socket = socket.socket()
    dead_socket.bind(("127.0.0.1", 0))
    server = PageServer(
        base="", collector=collector, dead=f"http://127.0.0.1:{dead_socket.getsockname()[1]}"
    )

    async def tracker_js(_request: web.Request) -> web.Response:
        return web.Response(body=DIST.read_bytes(), content_type="application/javascript")

    async def page(request: web.Request) -> web.StreamResponse:
        path = (PAGES / request.match_info["name"]).resolve()
        if path.parent != PAGES or not path.is_file():
            raise web.HTTPNotFound()
        if path.suffix == ".html":
            html = path.read_text("utf-8")
            for key, value in (
                ("SITE", server.site),
                ("COLLECTOR", server.collector),
                ("DEAD", server.dead),
            ):
                html = html.replace("{{" + key + "}}", value)
            return web.Response(text=html, content_type="text/html")
        return web.FileResponse(path)  # clip.webm, with Range support

    app = web.Application()
    app.router.add_get("/peil.js", tracker_js)
    app.router.add_get("/{name}", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    server.base = f"http://localhost:{runner.addresses[0][1]}"
    try:
        yield server
    finally:
        await runner.cleanup()
        dead_socket.close()


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """A Playwright Browser on Debian's Chromium; fails clearly when it is missing."""
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        raise RuntimeError(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
        )
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


# Headless Chromium says "HeadlessChrome", which the collector drops as a bot.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


@dataclass
class Site:
    key: str
    id: int


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


# ---- the dashboard in a browser ---------------------------------------------------

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}  # the narrowest phone the dashboard fits
# Screenshots of the dashboard's views (not committed): look at them.
SHOTS = Path(os.environ.get("PEIL_SCREENSHOTS") or Path(tempfile.gettempdir()) / "peil-shots")


@dataclass
class DashboardTab:
    """A logged-in dashboard page, the script errors it had and the dialogs (alert,
    confirm, prompt) it opened, each dismissed at once."""

    page: Any
    context: Any
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    async def show(self, base_url: str, query: str, expect: str) -> None:
        """Open `/?query` and wait until the page shows `expect` ("view site from to")."""
        await self.page.goto(f"{base_url}/{query}")
        await self.shown(expect)

    async def shown(self, expect: str, timeout: float = 15000) -> None:
        # The page's CSP forbids eval: wait on an attribute, not a JS predicate.
        await self.page.wait_for_selector(f'body[data-loaded="{expect}"]', timeout=timeout)

    async def overflow(self) -> tuple[int, int]:
        """(document scroll width, window inner width): the page scrolls sideways if >."""
        return tuple(
            await self.page.evaluate(
                "() => [document.documentElement.scrollWidth, window.innerWidth]"
            )
        )

    async def screenshot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        await self.page.screenshot(path=str(path), full_page=True)
        return path


async def dashboard_tab(
    browser: Any,
    base_url: str,
    email: str,
    password: str,
    viewport: dict | None = None,
    *,
    accept_dialogs: bool = False,
    timezone: str | None = None,
) -> DashboardTab:
    """A new context logged in through the real login form. Dialogs are recorded in
    `dialogs` and dismissed, or accepted (the confirmations of settings). `timezone`:
    the browser's own zone (by default the machine's)."""
    context = await browser.new_context(
        viewport=viewport or DESKTOP, locale="en-GB", timezone_id=timezone
    )
    page = await context.new_page()
    tab = DashboardTab(page, context)
    page.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
    page.on("pageerror", lambda e: tab.errors.append(str(e)))

    async def dialog(d: Any) -> None:
        tab.dialogs.append(f"{d.type}: {d.message}")
        await (d.accept() if accept_dialogs else d.dismiss())

    page.on("dialog", dialog)
    await page.goto(f"{base_url}/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base_url}/**")
    return tab
