"""The dashboard page at `/`: one static HTML shell, its ES modules and style.

The page is a small single-page app: `/` always answers the same shell and the
whole state (site, range, view, the view's own choices) lives in the query
string, read by `dashboard.js` (so a reload, the back button and a bookmark
keep it). The modules and vendored libraries are flat files in
dashboard/static/, served under `/ui/NAME`: the app's own with a short cache
(a new version reaches the browser the same day), the vendored ones, whose
names carry their version, with a year's cache.

Everything the page shows comes from the JSON API and is put into the DOM as
text (`textContent`, attributes), never as HTML; the Content-Security-Policy
allows only this origin's own script and style, so even a tracked string that
looks like markup can never run (privacy rule 6). The heatmap frames the
site's own pages: `frame-src` names the domains of the sites the caller reads,
computed per request. The files are read once when the app is built.
"""

from __future__ import annotations

import gzip
import re
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
_TYPES = {
    ".html": "text/html",
    ".js": "application/javascript",
    ".css": "text/css",
}
_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
SHORT_CACHE = "public, max-age=300"
LONG_CACHE = "public, max-age=31536000, immutable"
# Vendored files carry their version in the name (uPlot-1.6.32.iife.min.js).
_VERSIONED = re.compile(r"-\d+\.\d+\.\d+\.")
# What normalize_domain lets into sites.domains; anything else never reaches the header.
_DOMAIN = re.compile(r"^[a-z0-9.-]{1,253}$")
_LOOPBACK = frozenset({"localhost", "127.0.0.1"})
MAX_FRAME_DOMAINS = 200


def _load() -> dict[str, bytes]:
    folder = resources.files("dashboard").joinpath("static")
    return {
        item.name: item.read_bytes()
        for item in folder.iterdir()
        if item.is_file() and any(item.name.endswith(suffix) for suffix in _TYPES)
    }


def _content_type(name: str) -> str:
    return _TYPES["." + name.rsplit(".", 1)[-1]]


def file_response(request: web.Request, name: str, body: bytes, packed: bytes, cache: str):
    """The file, gzipped (once, when the app was built) for a browser that takes it."""
    headers = {
        **_HEADERS,
        "Content-Security-Policy": PAGE_CSP,
        "Cache-Control": cache,
        "Vary": "Accept-Encoding",
    }
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        body = packed
    return web.Response(
        body=body, content_type=_content_type(name), charset="utf-8", headers=headers
    )


def static_handler(name: str, body: bytes, cache: str):
    packed = gzip.compress(body, 9, mtime=0)

    async def handler(request: web.Request) -> web.Response:
        return file_response(request, name, body, packed, cache)

    return handler


def ui_handler(files: dict[str, bytes]):
    """GET /ui/NAME: a module, a style sheet or a vendored library of the page."""
    served = {
        name: (body, gzip.compress(body, 9, mtime=0))
        for name, body in files.items()
        if name != "index.html"
    }

    async def handler(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in served:
            raise web.HTTPNotFound()
        cache = LONG_CACHE if _VERSIONED.search(name) else SHORT_CACHE
        return file_response(request, name, *served[name], cache)

    return handler


CSRF_PLACEHOLDER = b"{{csrf}}"


def session_csrf(request: web.Request) -> str:
    """The CSRF token of the request's session (base64url: safe in HTML as it is)."""
    return csrf_token(request.app[SETTINGS].secret_key(), "session", request[SESSION_TOKEN])


def frame_sources(domains: list[str]) -> str:
    """The `frame-src` of the page: the sites' own pages, for the heatmap beneath the clicks
    (https; a loopback name on any port and http too, for a site under development)."""
    sources: list[str] = []
    for domain in domains[:MAX_FRAME_DOMAINS]:
        if not _DOMAIN.match(domain):
            continue
        if domain in _LOOPBACK:
            sources += [f"http://{domain}:*", f"https://{domain}:*"]
        else:
            sources.append(f"https://{domain}")
    return " ".join(dict.fromkeys(sources)) or "'none'"


def page_csp(domains: list[str]) -> str:
    return f"{PAGE_CSP}; frame-src {frame_sources(domains)}"


def page_handler(body: bytes):
    async def handler(request: web.Request) -> web.Response:
        async with request.app[POOL].acquire() as conn:
            rows = await conn.fetch(SQL.list_sites, request[PRINCIPAL].readable)
        domains = sorted({d for row in rows for d in row["domains"]})
        return web.Response(
            body=body.replace(CSRF_PLACEHOLDER, session_csrf(request).encode()),
            content_type="text/html",
            charset="utf-8",
            headers={
                **_HEADERS,
                "Content-Security-Policy": page_csp(domains),
                "Cache-Control": "no-store",
            },
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
    # The entry module and the style sheet keep their old addresses (the login page
    # loads /dashboard.css); everything else is under /ui/.
    for name in ("dashboard.js", "dashboard.css"):
        app.router.add_get(f"/{name}", static_handler(name, files[name], SHORT_CACHE))
    app.router.add_get("/ui/{name}", ui_handler(files))
    app.router.add_get("/api/sites", list_sites)
    app.router.add_get("/api/session", session_info)
    # Browsers ask for it on every page; an empty answer beats a logged 404.
    app.router.add_get("/favicon.ico", no_icon)


async def no_icon(request: web.Request) -> web.Response:
    return web.Response(status=204, headers={"Cache-Control": "public, max-age=86400"})
