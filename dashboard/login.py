"""GET/POST /login and POST /logout: the dashboard session cookie.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site
can make the browser send it), and under https Secure and `__Host-` (bound
to this exact origin). The login form carries a CSRF token tied to a cookie
of its own (dashboard/access.py checks it, and a foreign Origin is refused
too), so no page can log a browser in or out behind its back. Attempts are
throttled (collector/accounts/throttle.py) and checked in the password pool,
off the event loop; every attempt writes an audit row with the truncated
address only. The login page runs no script at all.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from urllib.parse import urlsplit

from aiohttp import web

from collector.accounts.passwords import Busy, PasswordPool
from collector.accounts.sessions import (
    SESSION_LIFETIME,
    create_session,
    csrf_token,
    end_session,
    new_secret_token,
)
from collector.accounts.throttle import account_key, claim_attempt, forgive, withdraw
from collector.accounts.users import password_hash_of
from collector.config import Settings
from collector.ingest.enrich.ip_truncation import truncate_ip
from collector.ingest.receive import locate_client
from collector.keys import POOL, SETTINGS
from collector.logs import Repeats
from collector.model.text import printable
from collector.store.audit import record
from dashboard.access import (
    PRINCIPAL,
    SECRET_TOKEN,
    SESSION_TOKEN,
    cookie_attributes,
    host_name,
    login_cookie,
    session_cookie,
)

LOGIN_CSP = (
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none';"
    " base-uri 'none'"
)
MAX_FIELD = 1024
PASSWORDS = web.AppKey("passwords", PasswordPool)
BUSY_RETRY_S = 2

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Peil: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="csrf-token" content="{csrf}">
<link rel="stylesheet" href="/dashboard.css"></head>
<body class="login"><main><h1>Peil</h1>
<p class="muted">Log in to the dashboard.</p>{message}
<form method="post" action="/login">
<input type="hidden" name="csrf" value="{csrf}">
<p><label>Email <input name="email" type="email" autocomplete="username" required
value="{email}"></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password"
required></label></p>
<p><button type="submit">Log in</button></p>
</form></main></body></html>
"""


def login_page(
    request: web.Request, message: str = "", status: int = 200, email: str = ""
) -> web.Response:
    """The login form, with a CSRF token tied to the browser's login cookie."""
    settings = request.app[SETTINGS]
    cookie = request.cookies.get(login_cookie(settings), "")
    if not SECRET_TOKEN.fullmatch(cookie):  # none yet, or not one Peil made
        cookie = new_secret_token()
    body = _PAGE.format(
        message=f"<p role=alert>{html.escape(message)}</p>" if message else "",
        csrf=csrf_token(settings.secret_key(), "login", cookie),
        email=html.escape(email, quote=True),
    )
    response = web.Response(
        text=body,
        status=status,
        content_type="text/html",
        headers={
            "Content-Security-Policy": LOGIN_CSP,
            "Cache-Control": "no-store",
            "Referrer-Policy": "same-origin",
        },
    )
    set_cookie(response, settings, login_cookie(settings), cookie, max_age=None)
    return response


def set_cookie(
    response: web.StreamResponse, settings: Settings, name: str, value: str, max_age: int | None
) -> None:
    response.set_cookie(value=value, max_age=max_age, **cookie_attributes(settings, name))


def delete_cookie(response: web.StreamResponse, settings: Settings, name: str) -> None:
    response.del_cookie(**cookie_attributes(settings, name))


def same_origin(request: web.Request) -> bool:
    """False when the browser says the form was posted from another site. Compared
    by host name: a proxy may add the port to Host that the Origin leaves out."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return host_name(urlsplit(origin).netloc) == host_name(request.headers.get("Host", ""))


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


async def show_login(request: web.Request) -> web.Response:
    return login_page(request)


def unusable_field(**fields: str) -> str | None:
    """The name of the first field too long or holding a NUL or control character."""
    for name, value in fields.items():
        if not printable(value, MAX_FIELD):
            return name
    return None


def client_of(request: web.Request) -> tuple[str | None, str | None]:
    """(the caller's address as the audit keeps it: truncated, or None when no
    address is kept; the key the throttle counts it under).

    Where no address may be kept, the throttle still needs one per network, or
    one stranger could guess across every account: it is an HMAC of the /24
    (IPv4) or /48 (IPv6) under the instance secret, kept for the 15-minute
    window only, from which no address can be recovered without the secret.
    """
    settings = request.app[SETTINGS]
    address = locate_client(request, settings.trusted_proxies)  # in memory only
    truncated = truncate_ip(address, settings.ipv4_prefix, settings.ipv6_prefix)
    if truncated is not None or address is None:
        return truncated, truncated
    network = truncate_ip(address, THROTTLE_PREFIXES[0], THROTTLE_PREFIXES[1])
    mac = hmac.new(settings.secret_key(), f"throttle:{network}".encode(), hashlib.sha256)
    return None, "hmac:" + mac.hexdigest()[:32]


THROTTLE_PREFIXES = (24, 48)
# A throttled stranger costs no hash, so could write audit rows as fast as it
# can send: a throttled attempt is audited only when neither its account nor its
# address was in the last minute (per worker), whatever it rotates.
THROTTLE_AUDIT_EVERY_S = 60.0
_throttle_audits = Repeats(THROTTLE_AUDIT_EVERY_S)


def first_throttle_in_a_while(email: str, address_key: str | None) -> bool:
    account_new = _throttle_audits.admit("account:" + account_key(email).hex()) is not None
    address_new = _throttle_audits.admit(f"address:{address_key}") is not None
    return account_new and address_new


async def log_in(request: web.Request) -> web.Response:
    if not same_origin(request):
        return login_page(request, "Log in from this page.", status=403)
    form = await request.post()
    email, password = str(form.get("email", "")).strip(), str(form.get("password", ""))
    if bad := unusable_field(email=email, password=password):
        return login_page(request, f"The {bad} is not one Peil accepts.", status=400)
    if not email or not password:
        return login_page(request, "Enter your email and password.", status=400, email=email)
    address, address_key = client_of(request)
    async with request.app[POOL].acquire() as conn:
        account = await password_hash_of(conn, email)
        actor = account[2] if account else None
        wait = await claim_attempt(conn, email, address_key)
        if wait is not None:
            if first_throttle_in_a_while(email, address_key):
                await audit_login(conn, "login-throttled", actor, address)
            response = login_page(
                request, "Too many failed attempts; try again later.", status=429, email=email
            )
            response.headers["Retry-After"] = str(wait)
            return response
    try:
        right = await request.app[PASSWORDS].matches(account and account[1], password)
    except Busy:
        async with request.app[POOL].acquire() as conn:
            await withdraw(conn, email, address_key)
        response = login_page(request, "Peil is busy; try again in a moment.", 503, email)
        response.headers["Retry-After"] = str(BUSY_RETRY_S)
        return response
    async with request.app[POOL].acquire() as conn:
        if not right:  # the failure is on record already (claim_attempt)
            await audit_login(conn, "login-failed", actor, address)
            return login_page(request, "Wrong email or password.", status=401, email=email)
        await forgive(conn, email)
        token = await create_session(conn, account[0])
        await audit_login(conn, "login", actor, address)
    response = see_other("/")
    settings = request.app[SETTINGS]
    delete_cookie(response, settings, login_cookie(settings))
    set_cookie(
        response,
        settings,
        session_cookie(settings),
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
    )
    return response


async def audit_login(conn, action: str, email: str | None, address: str | None) -> None:
    """`email`: the account's as stored, None for an unknown account, whose "email"
    is whatever a stranger typed (a password in the wrong field, perhaps): not kept."""
    await record(conn, email or "(unknown account)", action, {"address": address})


async def log_out(request: web.Request) -> web.Response:
    if not same_origin(request):
        return web.json_response({"error": "Cross-site logout refused."}, status=403)
    async with request.app[POOL].acquire() as conn:
        await end_session(conn, request[SESSION_TOKEN])
        await record(conn, request[PRINCIPAL].email, "logout", {})
    response = see_other("/login")
    delete_cookie(response, request.app[SETTINGS], session_cookie(request.app[SETTINGS]))
    return response


def add_routes(app: web.Application) -> None:
    app[PASSWORDS] = PasswordPool()

    async def close_pool(app: web.Application) -> None:
        app[PASSWORDS].close()

    app.on_cleanup.append(close_pool)
    app.router.add_get("/login", show_login)
    app.router.add_post("/login", log_in)
    app.router.add_post("/logout", log_out)
