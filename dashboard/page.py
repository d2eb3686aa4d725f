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

from collector.accounts.sessions import csrf_token
from collector.db.queries import load
from collector.keys import POOL, SETTINGS
from dashboard.access import PRINCIPAL, SESSION_TOKEN

SQL = load(__name__)

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


CSRF_PLACEHOLDER = b"{{csrf}}"


def session_csrf(request: web.Request) -> str:
    """The CSRF token of the request's session (base64url: safe in HTML as it is)."""
    return csrf_token(request.app[SETTINGS].secret_key(), "session", request[SESSION_TOKEN])


def page_handler(body: bytes):
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=body.replace(CSRF_PLACEHOLDER, session_csrf(request).encode()),
            content_type="text/html",
            charset="utf-8",
            headers={**_HEADERS, "Cache-Control": "no-store"},
        )

    return handler


async def list_sites(request: web.Request) -> web.Response:
    """GET /api/sites: the sites the caller reads (key, name, time zone, domains)."""
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(SQL.list_sites, request[PRINCIPAL].readable)
    return web.json_response(
        {"sites": [dict(r) for r in rows]}, headers={"Cache-Control": "no-store"}
    )


async def session_info(request: web.Request) -> web.Response:
    """GET /api/session: who is logged in, what they read, and their CSRF token."""
    principal = request[PRINCIPAL]
    async with request.app[POOL].acquire() as conn:
        keys = await conn.fetchval(SQL.session_info, principal.readable)
    body = {
        "email": principal.email,
        "role": principal.role,
        "sites": keys,
        "csrf": session_csrf(request),
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    files = _load()
    app.router.add_get("/", page_handler(files["index.html"]))
    # Short cache: a new version of Peil should reach the browser the same day.
    for name in ("dashboard.js", "dashboard.css"):
        app.router.add_get(f"/{name}", static_handler(name, files[name], "public, max-age=300"))
    app.router.add_get("/api/sites", list_sites)
    app.router.add_get("/api/session", session_info)
    # Browsers ask for it on every page; an empty answer beats a logged 404.
    app.router.add_get("/favicon.ico", no_icon)


async def no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})
