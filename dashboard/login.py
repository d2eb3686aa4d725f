"""GET/POST /login and POST /logout: the dashboard session cookie.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site
can make the browser send it) and Secure when Peil is served over https. A
POST whose Origin is another site is refused, so no page can log a browser
in or out behind its back. The login page runs no script at all.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

from aiohttp import web

from collector.keys import POOL, SETTINGS
from collector.store.accounts import verify_password
from collector.store.sessions import SESSION_LIFETIME, create_session, end_session
from dashboard.auth import SESSION_COOKIE

LOGIN_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
MAX_FIELD = 1024

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Peil: log in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Peil</h1>{message}
<form method="post" action="/login">
<p><label>Email <input name="email" type="email" autocomplete="username" required></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password"
required></label></p>
<p><button type="submit">Log in</button></p>
</form></main></body></html>
"""


def login_page(message: str = "", status: int = 200) -> web.Response:
    text = _PAGE.format(message=f"<p role=alert>{html.escape(message)}</p>" if message else "")
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        headers={
            "Content-Security-Policy": LOGIN_CSP,
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


def same_origin(request: web.Request) -> bool:
    """False when the browser says the form was posted from another site."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc.lower() == request.host.lower()


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


async def show_login(request: web.Request) -> web.Response:
    return login_page()


async def log_in(request: web.Request) -> web.Response:
    if not same_origin(request):
        return login_page("Log in from this page.", status=403)
    form = await request.post()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    if not email or not password or len(email) > MAX_FIELD or len(password) > MAX_FIELD:
        return login_page("Enter your email and password.", status=400)
    async with request.app[POOL].acquire() as conn:
        user_id = await verify_password(conn, email.strip(), password)
        if user_id is None:
            return login_page("Wrong email or password.", status=401)
        token = await create_session(conn, user_id)
    response = see_other("/")
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[SETTINGS].public_url.startswith("https://"),
    )
    return response


async def log_out(request: web.Request) -> web.Response:
    if not same_origin(request):
        return web.json_response({"error": "Cross-site logout refused."}, status=403)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with request.app[POOL].acquire() as conn:
            await end_session(conn, token)
    response = see_other("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/login", show_login)
    app.router.add_post("/login", log_in)
    app.router.add_post("/logout", log_out)
