"""Serving the tracker: GET /peil.js (ETag, caching, gzip) and the /optout page.

The files live in the package `collector.static`, so they are found the same way in an
editable install and in a wheel; `collector/static/peil.js` is a symlink to the committed
build `tracker_js/dist/peil.js` (setuptools copies the file it points to into the wheel).
They are read, hashed and gzipped once, when the app is built: a request only picks bytes.

Opt-out design. `peil.optOut()` stores `peil_optout=1` in the site's localStorage, and the
tracker reads it there. The /optout page lives on the collector's origin and cannot write
the site's storage, and a collector-side cookie would be a third-party cookie that browsers
block (and a second place to look). So:

- Framed on the site's privacy page (`<iframe src="https://stats.example.nl/optout">`), it
  asks the site's peil.js over `postMessage` ("peil:?", "peil:out", "peil:in"); the
  tracker, which answers only messages from its own collector's origin, sets or clears
  that same first-party flag and replies with the state, which the page shows with the
  site's host and a button to change it. No cookie, no storage of the collector's own.
- Opened as a plain link, it cannot know the state of the site the visitor came from, and
  says so rather than show a state it does not have: it offers the way back to that site
  (whose privacy page frames it) and the signal that works on every site, Global Privacy
  Control or Do Not Track (the tracker then sends nothing; already on: it says so). Only
  when it is reached from a page of its own origin (the collector served under the site's
  origin, a reverse-proxied path) is its localStorage the site's: then it shows and
  toggles the flag itself.

Who may frame it: any page (`frame-ancestors *`). The page holds no secret (it shows the
framing page's own state, which that page can read anyway) and changes nothing without
the visitor's click; the click changes only the flag of the framing page's own origin,
through that origin's own tracker. A foreign site that frames it and tricks a visitor into
a click gains nothing it could not do on its own pages. Listing the registered sites'
domains instead would publish every site this collector serves in a response header to
anyone, and break a site whose new subdomain is not registered yet.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources

from aiohttp import web

STATIC_PACKAGE = "collector.static"
JS = "application/javascript; charset=utf-8"

# An hour: a new tracker release reaches every browser within that, while a visitor's
# page views in a session cost no request at all; after that a revalidation is a 304.
# The URL is not versioned, so `immutable` or a long max-age would pin old trackers.
CACHE_CONTROL = "public, max-age=3600"

# The opt-out page runs only its own files; it has no forms, links or inline code.
OPTOUT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors *"
)


@dataclass(frozen=True, slots=True)
class Asset:
    """One file as served: the bytes, a gzipped copy, and each one's strong ETag."""

    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    headers: dict[str, str]


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def load_asset(name: str, content_type: str, headers: dict[str, str] | None = None) -> Asset:
    """Read `name` from collector/static (with these extra response headers); a clear
    error when it is missing."""
    try:
        body = resources.files(STATIC_PACKAGE).joinpath(name).read_bytes()
    except FileNotFoundError:
        raise RuntimeError(
            f"{name} is missing from {STATIC_PACKAGE}"
            + (": build the tracker (cd tracker_js && npm run build)" if name == "peil.js" else "")
        ) from None
    # mtime=0: the same file gives the same gzip bytes, hence the same ETag, in every worker.
    gzipped = gzip.compress(body, compresslevel=9, mtime=0)
    return Asset(
        body=body,
        gzipped=gzipped,
        etag=_etag(body),
        gzip_etag=_etag(gzipped),
        headers={
            "Content-Type": content_type,
            "Cache-Control": CACHE_CONTROL,
            "Vary": "Accept-Encoding",
            "X-Content-Type-Options": "nosniff",
            **(headers or {}),
        },
    )


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header names gzip with a non-zero quality."""
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        if coding.lower() not in ("gzip", "x-gzip"):
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: `W/"x"` matches `"x"` (RFC 9110, 13.1.2)."""
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def serve(asset: Asset) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        compressed = accepts_gzip(request.headers.get("Accept-Encoding", ""))
        etag = asset.gzip_etag if compressed else asset.etag
        headers = {**asset.headers, "ETag": etag}
        if compressed:
            headers["Content-Encoding"] = "gzip"
        if etag_matches(request.headers.get("If-None-Match", ""), etag):
            return web.Response(status=304, headers=headers)
        return web.Response(body=asset.gzipped if compressed else asset.body, headers=headers)

    return handler


def add_routes(app: web.Application) -> None:
    """GET (and HEAD) /peil.js, /optout, /optout.js and /optout.css."""
    tracker = load_asset(
        "peil.js",
        JS,
        # Embedded by other origins: harmless to share, and pages that require CORP or
        # CORS for their subresources (COEP, `crossorigin` attributes) can still load it.
        {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"},
    )
    page = load_asset(
        "optout.html",
        "text/html; charset=utf-8",
        {"Content-Security-Policy": OPTOUT_CSP, "Referrer-Policy": "no-referrer"},
    )
    app.router.add_get("/peil.js", serve(tracker))
    app.router.add_get("/optout", serve(page))
    app.router.add_get("/optout.js", serve(load_asset("optout.js", JS)))
    app.router.add_get("/optout.css", serve(load_asset("optout.css", "text/css; charset=utf-8")))
