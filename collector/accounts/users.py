"""Dashboard users: their email, role, password hash and the sites granted to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from collector.accounts.principal import ADMIN, ROLES, VIEWER
from collector.db.queries import load
from collector.errors import PeilError
from collector.model.text import is_email
from collector.store.audit import record
from collector.store.sites import site_by_key

SQL = load(__name__)


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    role: str
    sites: list[str]  # keys of the sites granted (an admin reads every site anyway)
    created_at: datetime
    tokens: int  # live API tokens


def check_email(email: str) -> str:
    email = email.strip()
    if not is_email(email):
        raise PeilError(f"{email[:80]!r} is not an email address.")
    return email


def check_role(role: str) -> str:
    if role not in ROLES:
        raise PeilError(f"The role must be one of {', '.join(ROLES)}, not {role[:40]!r}.")
    return role


async def site_ids(conn: asyncpg.Connection, keys: list[str]) -> list[int]:
    """The ids of the sites with these keys; PeilError naming the first unknown one."""
    ids = []
    for key in keys:
        site = await site_by_key(conn, key)
        if site is None:
            raise PeilError(f"There is no site with the key {key[:64]!r}; see: peil sites list.")
        ids.append(site.id)
    return ids


async def add_user(
    conn: asyncpg.Connection,
    email: str,
    password_hash: str,
    role: str | None = None,
    sites: list[str] = (),
    *,
    actor: str,
) -> UserInfo:
    """Add a user. Without a role, the first user is an admin and later ones viewers."""
    async with conn.transaction():
        # Two first users added at once must not both become admin by default.
        await conn.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        if role is None:
            role = VIEWER if await conn.fetchval("SELECT count(*) FROM users") else ADMIN
        granted = await site_ids(conn, list(sites))
        try:
            user_id = await conn.fetchval(SQL.add_user, email, password_hash, check_role(role))
        except asyncpg.UniqueViolationError:
            raise PeilError(f"A user with the email {email} already exists.") from None
        await conn.executemany(SQL.grant, [(user_id, site_id) for site_id in granted])
        info = await user_info(conn, email)
        await record(conn, actor, "user-add", {"user": email, "role": role, "sites": info.sites})
    return info


async def user_info(conn: asyncpg.Connection, email: str) -> UserInfo:
    row = await conn.fetchrow(SQL.list_users, email)
    if row is None:
        raise PeilError(f"There is no user {email[:80]}; see: peil users list.")
    return UserInfo(**dict(row))


async def list_users(conn: asyncpg.Connection) -> list[UserInfo]:
    return [UserInfo(**dict(row)) for row in await conn.fetch(SQL.list_users, None)]


async def user_id_by_email(conn: asyncpg.Connection, email: str) -> int | None:
    return await conn.fetchval("SELECT id FROM users WHERE lower(email) = lower($1)", email)


async def password_hash_of(conn: asyncpg.Connection, email: str) -> tuple[int, str, str] | None:
    """(user id, argon2 hash, email as stored) of the account with this email, or None."""
    row = await conn.fetchrow(
        "SELECT id, password_hash, email FROM users WHERE lower(email) = lower($1)", email
    )
    return (row["id"], row["password_hash"], row["email"]) if row else None


async def _keep_an_admin(conn: asyncpg.Connection, email: str) -> None:
    """PeilError if `email` is the last admin (no one could manage Peil after it)."""
    last = await conn.fetchval(SQL.is_last_admin, email)
    if last:
        raise PeilError(f"{email} is the last admin; make another user admin first.")


async def remove_user(conn: asyncpg.Connection, email: str, *, actor: str) -> UserInfo:
    """Remove a user with their grants, sessions and tokens."""
    async with conn.transaction():
        await conn.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        info = await user_info(conn, email)
        await _keep_an_admin(conn, email)
        await conn.execute("DELETE FROM users WHERE id = $1", info.id)
        await record(conn, actor, "user-remove", {"user": info.email})
    return info


async def set_role(conn: asyncpg.Connection, email: str, role: str, *, actor: str) -> UserInfo:
    async with conn.transaction():
        await conn.execute("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")
        info = await user_info(conn, email)
        if check_role(role) != ADMIN:
            await _keep_an_admin(conn, email)
        await conn.execute("UPDATE users SET role = $2 WHERE id = $1", info.id, role)
        await record(conn, actor, "user-role", {"user": info.email, "role": role})
    return await user_info(conn, email)


async def set_password(
    conn: asyncpg.Connection, email: str, password_hash: str, *, actor: str
) -> int:
    """Change a password and end every session of that user; the number ended."""
    async with conn.transaction():
        info = await user_info(conn, email)
        await conn.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1", info.id, password_hash
        )
        ended = await conn.fetchval(SQL.end_sessions, info.id)
        await record(conn, actor, "user-passwd", {"user": info.email, "sessions_ended": ended})
    return ended


async def grant(conn: asyncpg.Connection, email: str, key: str, *, actor: str) -> bool:
    """Let a user read a site; False if they already could."""
    return await _change_grant(conn, "grant", email, key, actor)


async def revoke(conn: asyncpg.Connection, email: str, key: str, *, actor: str) -> bool:
    """Stop a user reading a site; False if no grant was there."""
    return await _change_grant(conn, "revoke", email, key, actor)


async def _change_grant(
    conn: asyncpg.Connection, action: str, email: str, key: str, actor: str
) -> bool:
    async with conn.transaction():
        info = await user_info(conn, email)
        (site_id,) = await site_ids(conn, [key])
        query = SQL["change_grant.grant"] if action == "grant" else SQL["change_grant.revoke"]
        changed = await conn.fetchval(query, info.id, site_id)
        if changed:
            await record(conn, actor, action, {"user": info.email, "site": key})
    return changed
