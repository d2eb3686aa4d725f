"""Browser-test helpers: Debian's Chromium driven by Playwright, and the server of the
fixture pages (the "site" of the tests, on its own origin, separate from the collector).

Fixture pages (tests/tracker/pages/*.html) have placeholders, filled in per request:
`{{SITE}}` the site key of the current test, `{{COLLECTOR}}` the collector's origin (where
peil.js and /api/events are), `{{DEAD}}` an origin on which nothing accepts connections.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

REPO = Path(__file__).resolve().parents[2]
TRACKER_JS = REPO / "tracker_js"
DIST = TRACKER_JS / "dist" / "peil.js"
PAGES = Path(__file__).resolve().parent / "pages"

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
