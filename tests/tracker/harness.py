"""Capture harness for tracker tests: a tiny aiohttp app that serves the fixture pages
(with `{{SITE}}` replaced) and a peil.js build, and records every POST /api/events body;
plus a Chromium launcher (Debian's chromium driven by Playwright).

It stands in for the collector so the tracker can be tested on its own; tests against
the real collector can reuse `chromium()`, `PAGES` and the fixture pages.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
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
class Body:
    """One recorded POST /api/events request."""

    content_type: str
    raw: bytes
    data: dict[str, Any]
    received: float  # time.time() on arrival


@dataclass
class Capture:
    """What the fake collector received; `base` is its http://127.0.0.1:PORT origin."""

    base: str
    bodies: list[Body] = field(default_factory=list)
    # status answered to POST /api/events; tests may change it (e.g. 503)
    status: int = 202

    def events(self, *types: str) -> list[dict[str, Any]]:
        """All received events in arrival order (optionally only these types); each is a
        copy with the body's fields under "_body" (url, uid, sid, ...)."""
        out = []
        for body in self.bodies:
            envelope = {k: v for k, v in body.data.items() if k != "events"}
            for event in body.data.get("events", []):
                if not types or event.get("t") in types:
                    out.append({**event, "_body": envelope})
        return out

    async def wait_for(self, predicate: Callable[[Capture], bool], timeout: float = 15.0) -> None:
        """Wait until predicate(capture) holds; AssertionError with what arrived if not."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self):
            if loop.time() > deadline:
                got = Counter(e["t"] for e in self.events())
                raise AssertionError(
                    f"timed out after {timeout} s; {len(self.bodies)} bodies, events: {dict(got)}"
                )
            await asyncio.sleep(0.05)


@asynccontextmanager
async def capture_server(site: str = "TESTSITE", tracker: Path = DIST) -> AsyncIterator[Capture]:
    """Serve PAGES and `tracker` on 127.0.0.1 (a free port) and record event bodies."""
    capture = Capture(base="")

    async def tracker_js(_request: web.Request) -> web.Response:
        return web.Response(body=tracker.read_bytes(), content_type="application/javascript")

    async def page(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        path = (PAGES / name).resolve()
        if path.parent != PAGES or not path.is_file():
            raise web.HTTPNotFound()
        if path.suffix == ".html":
            html = path.read_text("utf-8").replace("{{SITE}}", site)
            return web.Response(text=html, content_type="text/html")
        return web.FileResponse(path)  # clip.webm, with Range support

    async def events(request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"_unparseable": raw.decode("utf-8", "replace")}
        capture.bodies.append(Body(request.headers.get("Content-Type", ""), raw, data, time.time()))
        return web.Response(status=capture.status)

    app = web.Application()
    app.router.add_get("/peil.js", tracker_js)
    app.router.add_post("/api/events", events)
    app.router.add_get("/{name}", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = runner.addresses[0][1]
    capture.base = f"http://127.0.0.1:{port}"
    try:
        yield capture
    finally:
        await runner.cleanup()


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
