"""Login throttling: 5 failures for one account, or 20 from one truncated address,
within 15 minutes, and further attempts are refused until the oldest of
those failures leaves the window.

Kept in PostgreSQL (`login_failures`), so every worker and every node agrees
and a restart forgives nothing. A success clears that account's failures.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta

import asyncpg

from collector.db.queries import load

SQL = load(__name__)

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


def account_key(email: str) -> bytes:
    return hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).digest()


async def retry_after(conn: asyncpg.Connection, email: str, address: str | None) -> int | None:
    """Seconds until this account and address may try again; None: they may now.

    `address` is the truncated address; None (no address kept) throttles by
    account only, since one shared key would let anyone lock everyone out.
    """
    seconds = await conn.fetchval(
        SQL.retry_after,
        account_key(email),
        address,
        WINDOW,
        ACCOUNT_LIMIT - 1,
        ADDRESS_LIMIT - 1,
    )
    return None if seconds is None else max(1, math.ceil(seconds))


async def record_failure(conn: asyncpg.Connection, email: str, address: str | None) -> None:
    async with conn.transaction():
        await conn.execute("DELETE FROM login_failures WHERE at < now() - $1::interval", WINDOW)
        await conn.execute(
            "INSERT INTO login_failures (account, address) VALUES ($1, $2)",
            account_key(email),
            address or "",
        )


async def forgive(conn: asyncpg.Connection, email: str) -> None:
    """After a successful login: that account's earlier failures no longer count."""
    await conn.execute("DELETE FROM login_failures WHERE account = $1", account_key(email))
