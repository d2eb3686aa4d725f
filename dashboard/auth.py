"""Who is asking: `Authorization: Bearer TOKEN` or the dashboard session cookie.

Every user may see every site for now: the schema has no per-user site
permission yet, so a known site key is enough once authenticated.
"""

from __future__ import annotations

from aiohttp import web

from collector.keys import POOL
from collector.store.sessions import User, user_for_session, user_for_token

SESSION_COOKIE = "peil_session"
_BEARER = "bearer "


class Unauthorized(Exception):
    """No valid credentials; the message says what was wrong."""


async def authenticate(request: web.Request) -> User:
    header = request.headers.get("Authorization")
    async with request.app[POOL].acquire() as conn:
        # A request that shows a token is judged by it alone, never by a cookie too.
        if header is not None:
            if not header.lower().startswith(_BEARER) or not header[len(_BEARER) :].strip():
                raise Unauthorized("The Authorization header must be 'Bearer TOKEN'.")
            user = await user_for_token(conn, header[len(_BEARER) :].strip())
            if user is None:
                raise Unauthorized("The API token is not valid.")
            return user
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            user = await user_for_session(conn, cookie)
            if user is None:
                raise Unauthorized("The session has ended; log in again.")
            return user
    raise Unauthorized("Log in, or send 'Authorization: Bearer TOKEN' (peil tokens create).")
