"""Dashboard users (argon2id password hashes) and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from collector.errors import PeilError

# argon2-cffi's defaults are the RFC 9106 "low memory" argon2id profile.
_hasher = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "peil_"


def check_email(email: str) -> str:
    email = email.strip()
    if not _EMAIL.match(email):
        raise PeilError(f"{email!r} is not an email address.")
    return email


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PeilError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    return password


async def add_user(conn: asyncpg.Connection, email: str, password: str) -> int:
    try:
        return await conn.fetchval(
            "INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id",
            email,
            _hasher.hash(password),
        )
    except asyncpg.UniqueViolationError:
        raise PeilError(f"A user with the email {email} already exists.") from None


async def user_id_by_email(conn: asyncpg.Connection, email: str) -> int | None:
    return await conn.fetchval("SELECT id FROM users WHERE lower(email) = lower($1)", email)


async def verify_password(conn: asyncpg.Connection, email: str, password: str) -> int | None:
    """The user's id if the password is right, else None."""
    row = await conn.fetchrow(
        "SELECT id, password_hash FROM users WHERE lower(email) = lower($1)", email
    )
    if row is None:
        _hasher.hash(password)  # same cost either way: no user enumeration by timing
        return None
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return None
    return row["id"]


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def create_token(conn: asyncpg.Connection, user_id: int) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await conn.execute(
        "INSERT INTO api_tokens (user_id, token_hash) VALUES ($1, $2)", user_id, token_hash(token)
    )
    return token


async def user_id_for_token(conn: asyncpg.Connection, token: str) -> int | None:
    return await conn.fetchval(
        "UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 RETURNING user_id",
        token_hash(token),
    )
