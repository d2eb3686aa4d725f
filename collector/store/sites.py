"""Sites: creation with validated domains and time zone, listing."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from collector.db.queries import load
from collector.errors import PeilError

SQL = load(__name__)

_KEY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: keys get read aloud
_KEY_LENGTH = 12
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


@dataclass(frozen=True)
class Site:
    id: int
    key: str
    name: str
    domains: list[str]
    retention_days: int | None
    timezone: str
    consent: str = "none"  # "required": the tracker stores peil_id only after consent
    contact: str | None = None  # where visitors send privacy requests (the statement names it)


def new_site_key() -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(_KEY_LENGTH))


def normalize_domain(raw: str) -> str:
    """'https://WWW.Example.nl/path' -> 'www.example.nl'; raise PeilError if not a host name."""
    text = raw.strip()
    host = (urlsplit(text).hostname if "//" in text else text.split("/")[0].split(":")[0]) or ""
    host = host.rstrip(".").lower()
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = ""
    labels = host.split(".")
    if not host or len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise PeilError(f"{raw!r} is not a domain name such as example.nl.")
    return host


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeilError(
            f"{name!r} is not a known time zone; use an IANA name such as Europe/Amsterdam."
        ) from None
    return name


async def add_site(
    conn: asyncpg.Connection,
    name: str,
    domains: list[str],
    retention_days: int | None,
    timezone: str,
) -> Site:
    row = await conn.fetchrow(
        SQL.add_site,
        new_site_key(),
        name,
        domains,
        retention_days,
        timezone,
    )
    return Site(**dict(row))


async def site_by_key(conn: asyncpg.Connection, key: str) -> Site | None:
    row = await conn.fetchrow(
        "SELECT id, key, name, domains, retention_days, timezone, consent, contact"
        " FROM sites WHERE key = $1",
        key,
    )
    return Site(**dict(row)) if row else None


async def list_sites_with_counts(conn: asyncpg.Connection) -> list[tuple[Site, int]]:
    rows = await conn.fetch(SQL.list_sites_with_counts)
    sites = []
    for row in rows:
        values = dict(row)
        count = values.pop("n")
        sites.append((Site(**values), count))
    return sites
