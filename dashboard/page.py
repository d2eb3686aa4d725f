"""The dashboard page at `/`: one static HTML page, its script and style.

Everything the page shows comes from the JSON API and is put into the DOM
as text (`textContent`, SVG attributes), never as HTML; the Content-Security-
Policy allows only this origin's own script and style, so even a tracked
string that looks like markup can never run (privacy rule 5). The files are
read once when the app is built.
"""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from collector.keys import POOL
from dashboard.auth import Unauthorized, authenticate

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_FILES = {
    "index.html": "text/html",
    "dashboard.js": "application/javascript",
    "dashboard.css": "text/css",
}
_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _load() -> dict[str, bytes]:
    folder = resources.files("dashboard").joinpath("static")
    return {name: folder.joinpath(name).read_bytes() for name in _FILES}


def static_handler(name: str, body: bytes, cache: str):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=body,
            content_type=_FILES[name],
            charset="utf-8",
            headers={**_HEADERS, "Cache-Control": cache},
        )

    return handler


def page_handler(body: bytes):
    async def handler(request: web.Request) -> web.Response:
        try:
            await authenticate(request)
        except Unauthorized:
            raise web.HTTPSeeOther("/login") from None
        return web.Response(
            body=body,
            content_type="text/html",
            charset="utf-8",
            headers={**_HEADERS, "Cache-Control": "no-store"},
        )

    return handler


async def list_sites(request: web.Request) -> web.Response:
    """GET /api/sites: the sites the dashboard can show (key, name, time zone, domains)."""
    try:
        await authenticate(request)
    except Unauthorized as exc:
        return web.json_response({"error": str(exc)}, status=401)
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch("SELECT key, name, timezone, domains FROM sites ORDER BY name")
    return web.json_response(
        {"sites": [dict(r) for r in rows]}, headers={"Cache-Control": "no-store"}
    )


def add_routes(app: web.Application) -> None:
    files = _load()
    app.router.add_get("/", page_handler(files["index.html"]))
    # Short cache: a new version of Peil should reach the browser the same day.
    for name in ("dashboard.js", "dashboard.css"):
        app.router.add_get(f"/{name}", static_handler(name, files[name], "public, max-age=300"))
    app.router.add_get("/api/sites", list_sites)
    # Browsers ask for it on every page; an empty answer beats a logged 404.
    app.router.add_get("/favicon.ico", no_icon)


async def no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})
