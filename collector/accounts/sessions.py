"""Dashboard login sessions and their CSRF tokens.

A session is a random token in the cookie; `sessions` holds only its
SHA-256, so a copy of the database logs no one in. The CSRF token of a
session is an HMAC of the session token under the instance secret: a page
of another site cannot know it (the cookie is HttpOnly), and nothing more
needs storing. Before login, the login page's CSRF token is the same HMAC
of a random cookie of its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

import asyncpg

from collector.accounts.principal import Principal, principal_of
from collector.accounts.tokens import token_hash
from collector.db.queries import load

SQL = load(__name__)

SESSION_LIFETIME = timedelta(days=7)


def new_secret_token() -> str:
    return secrets.token_urlsafe(32)


async def create_session(conn: asyncpg.Connection, user_id: int) -> str:
    token = new_secret_token()
    async with conn.transaction():
        # Expired sessions are cleared here: logins are rare, so this costs nothing.
        await conn.execute("DELETE FROM sessions WHERE expires_at < now()")
        await conn.execute(
            "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + $3)",
            token_hash(token),
            user_id,
            SESSION_LIFETIME,
        )
    return token


async def principal_for_session(conn: asyncpg.Connection, token: str) -> Principal | None:
    row = await conn.fetchrow(SQL.principal_for_session, token_hash(token))
    return principal_of(row, via_token=False) if row else None


async def end_session(conn: asyncpg.Connection, token: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash(token))


def csrf_token(secret: bytes, purpose: str, token: str) -> str:
    """The CSRF token bound to a session token (purpose "session") or a login cookie
    (purpose "login")."""
    mac = hmac.new(secret, f"{purpose}:{token}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def csrf_matches(secret: bytes, purpose: str, token: str, sent: str | None) -> bool:
    if not sent:
        return False
    expected = csrf_token(secret, purpose, token).encode()
    return hmac.compare_digest(expected, sent.encode("utf-8", "replace"))
