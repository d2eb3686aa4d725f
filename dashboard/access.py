"""Who may call what: the one authorization check every route passes through.

`RULES` lists every route of Peil with the access it needs; `authorize`, a
middleware, applies it to each request before any handler runs, and
`check_every_route` refuses to build an app with a route that no rule names
(a new route cannot be forgotten). In order, a request is checked for:

1. Host (421): dashboard, login and API answer only to PEIL_ALLOWED_HOSTS, so
   a page under another name (DNS rebinding) cannot talk to them. Ingest,
   the tracker, /optout and /healthz answer to any name.
2. Who (401, 403): a session cookie or `Authorization: Bearer TOKEN`. Tokens
   are read-only: never an admin route, never a state-changing request.
   Admin routes need an admin's session. /metrics is open to
   PEIL_METRICS_ALLOW peers and to an admin's token.
3. CSRF (403): every state-changing request needs the session's CSRF token in
   `X-CSRF-Token` or a `csrf` form field (login: the login page's token).

Which sites a caller reads is the Principal's (`can_read`, `readable`); a site
it may not read answers 404 like a site that does not exist (`readable_site`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
import orjson
from aiohttp import web

from collector.accounts.principal import Principal
from collector.accounts.sessions import csrf_matches, principal_for_session
from collector.accounts.tokens import principal_for_token
from collector.config import Settings
from collector.ingest.receive import forwarded_by_stranger, locate_client
from collector.keys import POOL, SETTINGS
from collector.store.sites import Site, site_by_key

PRINCIPAL = web.RequestKey("principal", Principal)
# What Peil's own secrets look like: 256 random bits, base64url. Anything else in a
# cookie or Authorization header is not one (and never reaches a hash or a query).
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
API_TOKEN = re.compile(r"peil_[A-Za-z0-9_-]{43}")
SESSION_TOKEN = web.RequestKey("session_token", str)
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BEARER = "bearer "


@dataclass(frozen=True)
class Access:
    """What a route needs. `who`: anyone, metrics, reader (session or token),
    session (a logged-in browser), admin (an admin's session)."""

    name: str
    who: str
    checks_host: bool = True
    login_csrf: bool = False  # POST /login: the login page's token, no session yet
    anonymous_to_login: bool = False  # a browser without a session goes to /login


PUBLIC = Access("public", "anyone", checks_host=False)
OPEN = Access("open", "anyone")
LOGIN = Access("login", "anyone", login_csrf=True)
METRICS = Access("metrics", "metrics", checks_host=False)
PAGE = Access("page", "session", anonymous_to_login=True)
SESSION = Access("session", "session")
READER = Access("reader", "reader")
ADMIN = Access("admin", "admin")

# (methods, path or a prefix ending in "/*", access); the first match wins.
RULES: tuple[tuple[frozenset[str], str, Access], ...] = (
    (frozenset({"POST", "OPTIONS"}), "/api/events", PUBLIC),
    (SAFE_METHODS, "/api/p.gif", PUBLIC),
    (SAFE_METHODS, "/peil.js", PUBLIC),
    (SAFE_METHODS, "/optout", PUBLIC),
    (SAFE_METHODS, "/optout.js", PUBLIC),
    (SAFE_METHODS, "/optout.css", PUBLIC),
    (SAFE_METHODS, "/healthz", PUBLIC),
    (SAFE_METHODS, "/metrics", METRICS),
    (SAFE_METHODS, "/login", OPEN),
    (frozenset({"POST"}), "/login", LOGIN),
    (frozenset({"POST"}), "/logout", SESSION),
    (SAFE_METHODS, "/dashboard.js", OPEN),
    (SAFE_METHODS, "/dashboard.css", OPEN),
    (SAFE_METHODS, "/ui/*", OPEN),
    (SAFE_METHODS, "/favicon.ico", OPEN),
    (SAFE_METHODS, "/", PAGE),
    (SAFE_METHODS, "/api/session", SESSION),
    (SAFE_METHODS, "/api/sites", READER),
    (SAFE_METHODS, "/api/stats/*", READER),
    (SAFE_METHODS, "/api/export", READER),
    (frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}), "/api/admin/*", ADMIN),
)


class Denied(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def access_for(method: str, path: str) -> Access | None:
    """The rule for a route (its canonical path, e.g. /api/admin/users/{id})."""
    key = (method, path)
    if key not in _ACCESS_CACHE:
        _ACCESS_CACHE[key] = _first_rule(method, path)
    return _ACCESS_CACHE[key]


_ACCESS_CACHE: dict[tuple[str, str], Access | None] = {}


def _first_rule(method: str, path: str) -> Access | None:
    for methods, pattern, access in RULES:
        if method in methods and (
            path == pattern or (pattern.endswith("/*") and path.startswith(pattern[:-1]))
        ):
            return access
    return None


def check_every_route(app: web.Application) -> None:
    """Refuse an app with a route no rule covers: nothing is reachable unjudged."""
    missing = [
        f"{route.method} {route.resource.canonical}"
        for route in app.router.routes()
        if route.resource is not None and access_for(route.method, route.resource.canonical) is None
    ]
    if missing:
        raise RuntimeError(f"routes without an access rule in dashboard/access.py: {missing}")


def session_cookie(settings: Settings) -> str:
    """The session cookie's name: `__Host-` bound to this exact origin under https (no
    subdomain can set or overwrite it)."""
    return _cookie_name("peil_session", settings)


def login_cookie(settings: Settings) -> str:
    """The login form's cookie, which its CSRF token is bound to."""
    return _cookie_name("peil_login", settings)


def _cookie_name(name: str, settings: Settings) -> str:
    return f"__Host-{name}" if settings.public_url.startswith("https://") else name


def host_name(authority: str) -> str:
    """The host of a Host header or an Origin's netloc, lower case, without port
    or trailing dot; "" for anything that is no host."""
    match = _AUTHORITY.fullmatch(authority.strip().lower())
    return match[1].rstrip(".") if match else ""


_AUTHORITY = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::[0-9]{1,5})?")


def host_allowed(request: web.Request, settings: Settings) -> bool:
    return host_name(request.headers.get("Host", "")) in settings.allowed_hosts


async def authenticate(request: web.Request, conn: asyncpg.Connection) -> Principal | None:
    """The caller, by the token if one is shown (a cookie then counts for nothing),
    else by the session cookie; None when neither is there. Denied(401) when what is
    shown is not valid."""
    header = request.headers.get("Authorization", "")
    # Only the Bearer scheme is Peil's: a proxy's Basic credentials pass through.
    if header[: len(_BEARER)].lower() == _BEARER:
        token = header[len(_BEARER) :].strip()
        principal = None
        if API_TOKEN.fullmatch(token):
            principal = await principal_for_token(conn, token)
        if principal is None:
            raise Denied(401, "The API token is not valid: unknown, expired or revoked.")
        return principal
    cookie = request.cookies.get(session_cookie(request.app[SETTINGS]))
    if cookie:
        principal = None
        if SECRET_TOKEN.fullmatch(cookie):
            principal = await principal_for_session(conn, cookie)
        if principal is None:
            raise Denied(401, "The session has ended; log in again.")
        request[SESSION_TOKEN] = cookie
        return principal
    return None


def metrics_peer_allowed(request: web.Request, settings: Settings) -> bool:
    """Whether the client is in PEIL_METRICS_ALLOW. A request that says it was
    forwarded, by a peer Peil does not trust, is never "from loopback": that is
    a reverse proxy not listed in PEIL_TRUSTED_PROXIES passing a stranger on."""
    if forwarded_by_stranger(request, settings.trusted_proxies):
        warn_untrusted_proxy()
        return False
    address = locate_client(request, settings.trusted_proxies)
    return address is not None and any(address in net for net in settings.metrics_allow)


_warned: set[str] = set()
log = logging.getLogger(__name__)


def warn_untrusted_proxy() -> None:
    """Once per process: forwarded requests from a peer not in PEIL_TRUSTED_PROXIES."""
    if "proxy" not in _warned:
        _warned.add("proxy")
        log.warning(
            "requests carry X-Forwarded-For from a peer not in PEIL_TRUSTED_PROXIES:"
            " every client then looks like that proxy (one login throttle, /metrics"
            " as if local is refused); list the proxy in PEIL_TRUSTED_PROXIES"
        )


async def sent_csrf(request: web.Request) -> str | None:
    """The CSRF token of the header, else of a urlencoded form (the only form Peil's
    pages post); None when neither is there or the form cannot be read."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type == "application/x-www-form-urlencoded":
        try:
            value = (await request.post()).get(CSRF_FIELD)
        except (UnicodeDecodeError, LookupError, ValueError):  # bytes or charset not text
            return None
        sent = value if isinstance(value, str) else None
    return sent


async def check_csrf(request: web.Request, access: Access) -> None:
    secret = request.app[SETTINGS].secret_key()
    sent = await sent_csrf(request)
    if access.login_csrf:
        cookie = request.cookies.get(login_cookie(request.app[SETTINGS]), "")
        ok = bool(SECRET_TOKEN.fullmatch(cookie)) and csrf_matches(secret, "login", cookie, sent)
    else:
        ok = SESSION_TOKEN in request and csrf_matches(
            secret, "session", request[SESSION_TOKEN], sent
        )
    if not ok:
        raise Denied(403, "This request needs the page's CSRF token; reload the page.")


async def judge(request: web.Request, access: Access) -> None:
    """Denied, or the caller in request[PRINCIPAL] (for routes that need one)."""
    settings = request.app[SETTINGS]
    if access.checks_host and not host_allowed(request, settings):
        raise Denied(421, "This host name is not one Peil answers to (PEIL_ALLOWED_HOSTS).")
    if access.who == "metrics" and metrics_peer_allowed(request, settings):
        return
    if access.who != "anyone":
        try:
            async with request.app[POOL].acquire() as conn:
                principal = await authenticate(request, conn)
        except Denied:
            if SESSION_TOKEN in request or not to_login_page(request, access):
                raise
            principal = None  # an ended session: the page sends the browser to log in
        if principal is None:
            if to_login_page(request, access):
                redirect = web.HTTPSeeOther("/login")
                redirect.del_cookie(**cookie_attributes(settings, session_cookie(settings)))
                raise redirect
            raise Denied(401, "Log in, or send 'Authorization: Bearer TOKEN' (peil tokens create).")
        refuse_beyond_reach(principal, access, request.method)
        request[PRINCIPAL] = principal
    if request.method not in SAFE_METHODS and (access.who != "anyone" or access.login_csrf):
        await check_csrf(request, access)


def to_login_page(request: web.Request, access: Access) -> bool:
    """A browser asking for the page without a live session: send it to log in."""
    return (
        access.anonymous_to_login
        and request.method in SAFE_METHODS
        and "Authorization" not in request.headers
    )


def cookie_attributes(settings: Settings, name: str) -> dict[str, object]:
    """A cookie's name and attributes, as set and as deleted (a browser ignores a
    deletion of a Secure cookie that does not say Secure)."""
    return {
        "name": name,
        "path": "/",
        "httponly": True,
        "samesite": "Strict",
        "secure": settings.public_url.startswith("https://"),
    }


def refuse_beyond_reach(principal: Principal, access: Access, method: str) -> None:
    if access.who == "metrics":
        if not principal.is_admin:
            raise Denied(403, "Metrics are for the allowed networks and admins.")
        return
    if principal.via_token and (access.who in ("session", "admin") or method not in SAFE_METHODS):
        raise Denied(403, "API tokens are read-only; this needs a dashboard session.")
    if access.who == "admin" and not principal.is_admin:
        raise Denied(403, "Only an admin may do this.")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def authorize(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route
    resource = route.resource
    if resource is None:  # no route matched: aiohttp's own 404 or 405
        return await handler(request)
    access = access_for(request.method, resource.canonical)
    if access is None:  # HEAD of a GET route
        access = access_for("GET", resource.canonical)
    if access is None:
        raise web.HTTPNotFound()
    try:
        await judge(request, access)
    except Denied as exc:
        return denied(exc, request)
    return await handler(request)


def denied(exc: Denied, request: web.Request) -> web.Response:
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="peil"'
    return web.Response(
        body=orjson.dumps({"error": str(exc)}),
        status=exc.status,
        content_type="application/json",
        headers=headers,
    )


async def readable_site(conn: asyncpg.Connection, principal: Principal, key: str) -> Site | None:
    """The site with this key if the caller may read it; None as if it did not exist."""
    site = await site_by_key(conn, key)
    return site if site is not None and principal.can_read(site.id) else None
