"""Dashboard login sessions: a random token in the cookie, its SHA-256 in `sessions`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from collector.db.queries import load
from collector.store.accounts import token_hash

SQL = load(__name__)

SESSION_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class User:
    id: int
    email: str


async def create_session(conn: asyncpg.Connection, user_id: int) -> str:
    token = secrets.token_urlsafe(32)
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


async def user_for_session(conn: asyncpg.Connection, token: str) -> User | None:
    row = await conn.fetchrow(SQL.user_for_session, token_hash(token))
    return User(row["id"], row["email"]) if row else None


async def end_session(conn: asyncpg.Connection, token: str) -> None:
    await conn.execute("DELETE FROM sessions WHERE token_hash = $1", token_hash(token))


async def user_for_token(conn: asyncpg.Connection, token: str) -> User | None:
    """The owner of an API token (see accounts.create_token)."""
    row = await conn.fetchrow(SQL.user_for_token, token_hash(token))
    return User(row["id"], row["email"]) if row else None
