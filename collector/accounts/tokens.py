"""API tokens: read-only, scoped to their user's sites, with an expiry and a revocation.

A token is 256 random bits shown once; only its SHA-256 is stored (a slow
hash would add nothing against guessing 256 bits, only latency to every API
call). A revoked token keeps its row, so `tokens list` shows when it stopped.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from collector.accounts.principal import Principal, principal_of
from collector.db.queries import load
from collector.errors import PeilError
from collector.model.text import printable
from collector.store.audit import record

SQL = load(__name__)

TOKEN_PREFIX = "peil_"
MAX_NAME_LENGTH = 100
MAX_EXPIRES_DAYS = 36500
# last_used_at is written at most this often per token: one API call per
# second must not mean one write per second.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    email: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def check_name(name: str) -> str:
    name = name.strip()
    if not printable(name, MAX_NAME_LENGTH):
        raise PeilError(
            f"A token name must be at most {MAX_NAME_LENGTH} printable characters long."
        )
    return name


async def create_token(
    conn: asyncpg.Connection,
    email: str,
    name: str = "",
    expires_days: int | None = None,
    *,
    actor: str,
) -> tuple[int, str]:
    """(id, token) for the user with this email: the token exists only in this answer."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRES_DAYS:
        raise PeilError(f"A token expires after 1 to {MAX_EXPIRES_DAYS} days.")
    name = check_name(name)
    expires = timedelta(days=expires_days) if expires_days is not None else None
    async with conn.transaction():
        user_id = await conn.fetchval("SELECT id FROM users WHERE lower(email) = lower($1)", email)
        if user_id is None:
            raise PeilError(f"There is no user {email[:80]}; add one with: peil users add EMAIL.")
        token_id = await conn.fetchval(SQL.create_token, user_id, token_hash(token), name, expires)
        detail = {"token": token_id, "user": email, "name": name, "expires_days": expires_days}
        await record(conn, actor, "token-create", detail)
    return token_id, token


async def list_tokens(conn: asyncpg.Connection, email: str | None = None) -> list[TokenInfo]:
    return [TokenInfo(**dict(row)) for row in await conn.fetch(SQL.list_tokens, email)]


async def revoke_token(conn: asyncpg.Connection, token_id: int, *, actor: str) -> TokenInfo:
    """Revoke a token (again is fine); PeilError if there is no such token."""
    async with conn.transaction():
        if await conn.fetchval(SQL.revoke_token, token_id) is None:
            raise PeilError(f"There is no token {token_id}; see: peil tokens list.")
        (info,) = [t for t in await list_tokens(conn) if t.id == token_id]
        await record(conn, actor, "token-revoke", {"token": token_id, "user": info.email})
    return info


async def principal_for_token(conn: asyncpg.Connection, token: str) -> Principal | None:
    """The caller a live (not revoked, not expired) token stands for, else None."""
    row = await conn.fetchrow(SQL.principal_for_token, token_hash(token), LAST_USED_RESOLUTION)
    if row is None:
        return None
    if row["stale"]:
        await conn.execute(
            "UPDATE api_tokens SET last_used_at = now() WHERE id = $1", row["token_id"]
        )
    return principal_of(row, via_token=True)
