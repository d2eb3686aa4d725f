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

    `address` is the key of the caller's address (dashboard/login.py: the
    truncated address, or a keyed hash of its /24 or /48 where none is kept);
    None throttles by account only.
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


async def claim_attempt(conn: asyncpg.Connection, email: str, address: str | None) -> int | None:
    """Seconds to wait when this account or address is throttled (nothing recorded);
    else None, with the attempt already recorded as a failure.

    Recorded before the password is checked, under the account's lock: a burst
    of concurrent guesses for one account is counted one by one, so no more
    than the limit get to the hash. A success takes it back (`forgive`), so
    does a check that never ran (`withdraw`).
    """
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _lock_key(email))
        wait = await retry_after(conn, email, address)
        if wait is not None:
            return wait
        await conn.execute("DELETE FROM login_failures WHERE at < now() - $1::interval", WINDOW)
        await conn.execute(
            "INSERT INTO login_failures (account, address) VALUES ($1, $2)",
            account_key(email),
            address or "",
        )
    return None


def _lock_key(email: str) -> int:
    """An advisory lock key (signed 64 bits) for the account."""
    return int.from_bytes(account_key(email)[:8], "big", signed=True)


async def withdraw(conn: asyncpg.Connection, email: str, address: str | None) -> None:
    """Take back the failure claim_attempt recorded, for a check that did not run."""
    await conn.execute(SQL.withdraw, account_key(email), address or "")


async def forgive(conn: asyncpg.Connection, email: str) -> None:
    """After a successful login: that account's failures (this attempt's included)
    no longer count."""
    await conn.execute("DELETE FROM login_failures WHERE account = $1", account_key(email))
