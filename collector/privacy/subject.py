"""The data subject of a request: one consent-mode `uid` or `sid`, on one
site or on every site, and how it is named where it must not appear; and
the little else the requests share."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from collector.errors import PeilError

# Longer than any identifier the tracker makes (16 characters) and than any
# text column's stored limit: an id this long cannot be in `events`.
MAX_ID_LENGTH = 200
# Hex digits of the SHA-256 written to the audit trail (see audit_ref).
AUDIT_REF_HEX = 12


@dataclass(frozen=True)
class Subject:
    kind: str  # "uid" or "sid": the events column that names the visitor
    value: str
    site_id: int | None = None  # None: every site

    @property
    def digest(self) -> bytes:
        """SHA-256 of the identifier's UTF-8 bytes, as PostgreSQL computes it
        with sha256(convert_to(uid, 'UTF8')): what forget_requests stores."""
        return hashlib.sha256(self.value.encode()).digest()

    def audit_ref(self) -> str:
        """'sha256:<12 hex digits>' for the audit trail (see audit_ref)."""
        return audit_ref(self.digest)

    def audit_detail(self, site_key: str | None, **more: Any) -> dict[str, Any]:
        """What an audit row says about the subject: never the identifier itself."""
        return {"by": self.kind, "subject": self.audit_ref(), "site": site_key, **more}


def audit_ref(digest: bytes) -> str:
    """'sha256:<12 hex digits>' of an identifier's SHA-256, for the audit trail.

    The trail outlives the raw events (it is kept for accountability), so it
    must not hold the identifier that links them to a person. A short prefix
    of its hash still lets an operator match an entry to a request (hash the
    id the visitor gives again), and cannot be turned back into the id: of the
    tracker's ids (82 random bits) about 2**34 share each 48-bit prefix.
    """
    return f"sha256:{digest.hex()[:AUDIT_REF_HEX]}"


def subject(
    *,
    uid: str | None = None,
    sid: str | None = None,
    site_id: int | None = None,
) -> Subject:
    """The Subject of exactly one of uid and sid; PeilError otherwise."""
    if (uid is None) == (sid is None):
        raise PeilError("Name the visitor with exactly one of --uid and --sid.")
    kind, value = ("uid", uid) if uid is not None else ("sid", sid)
    assert value is not None
    value = value.strip()  # pasted from an email: a space or newline is not part of it
    if "." in value:
        raise PeilError(
            f"That looks like the whole peil_id cookie (uid.created.sid.lastSeen); give the"
            f" {kind}: {'the part before the first dot' if kind == 'uid' else 'its third part'}."
        )
    if not value or len(value) > MAX_ID_LENGTH or "\0" in value:
        raise PeilError(
            f"The {kind} must be the visitor's id from the peil_id cookie"
            f" (1 to {MAX_ID_LENGTH} characters)."
        )
    return Subject(kind, value, site_id)


@asynccontextmanager
async def acquired(conn_or_pool: asyncpg.Connection | asyncpg.Pool) -> AsyncIterator:
    """One connection: the one given, or one of the pool's for the duration."""
    if isinstance(conn_or_pool, asyncpg.Pool):
        async with conn_or_pool.acquire() as conn:
            yield conn
    else:
        yield conn_or_pool


async def site_key(conn: asyncpg.Connection, site_id: int | None) -> str | None:
    """The key of site_id (None for every site); PeilError for a site that does not exist."""
    if site_id is None:
        return None
    key = await conn.fetchval("SELECT key FROM sites WHERE id = $1", site_id)
    if key is None:
        raise PeilError(f"There is no site #{site_id}.")
    return key


async def site_id_for_key(conn: asyncpg.Connection, key: str | None) -> int | None:
    """The id of the site with this key (None for None); PeilError for an unknown key."""
    if key is None:
        return None
    site_id = await conn.fetchval("SELECT id FROM sites WHERE key = $1", key)
    if site_id is None:
        raise PeilError(f"There is no site with key {key!r}; `peil sites list` shows the keys.")
    return site_id
