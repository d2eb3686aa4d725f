"""Sites: creation and changes with validated domains, time zone and privacy settings."""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import asyncpg

from collector.db.queries import load
from collector.errors import PeilError
from collector.model.text import is_email, printable
from collector.store.audit import record

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


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
        if name not in _time_zones():  # such as "posixrules": a file of the database, no zone
            raise ValueError(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PeilError(
            f"{name!r} is not a known time zone; use an IANA name such as Europe/Amsterdam."
        ) from None
    return name


CONSENT_MODES = ("none", "required")


def check_name(name: str) -> str:
    name = name.strip()
    if not name or not printable(name, 200):
        raise PeilError("The site name must be 1 to 200 printable characters.")
    return name


def check_consent(mode: str) -> str:
    if mode not in CONSENT_MODES:
        raise PeilError(f"Consent must be one of {', '.join(CONSENT_MODES)}, not {mode[:40]!r}.")
    return mode


def check_contact(contact: str) -> str | None:
    """An email address for privacy requests; "" clears it (None)."""
    contact = contact.strip()
    if not contact:
        return None
    if not is_email(contact):
        raise PeilError(f"{contact[:80]!r} is not an email address for privacy requests.")
    return contact


def checked_changes(given: dict[str, Any], max_retention_days: int) -> dict[str, Any]:
    """The site settings given (name, domains, retention_days, timezone, consent,
    contact; absent ones left out), each checked and normalised: the keyword
    arguments of add_site and edit_site. One check for `peil sites add/edit` and
    the admin API alike."""
    checks: dict[str, Callable[[Any], Any]] = {
        "name": check_name,
        "domains": check_domains,
        "retention_days": lambda days: check_retention(days, max_retention_days),
        "timezone": check_timezone,
        "consent": check_consent,
        "contact": check_contact,
    }
    return {name: checks[name](value) for name, value in given.items()}


def check_domains(domains: list[str]) -> list[str]:
    if not domains:
        raise PeilError("A site needs at least one domain.")
    return list(dict.fromkeys(normalize_domain(d) for d in domains))


def check_retention(days: int, max_days: int) -> int:
    if not 1 <= days <= max_days:
        raise PeilError(
            f"A site's retention must be 1 to {max_days} days, at most PEIL_RETENTION_DAYS:"
            " the purge drops days older than that for every site."
        )
    return days


async def add_site(
    conn: asyncpg.Connection,
    name: str,
    domains: list[str],
    retention_days: int | None,
    timezone: str,
    consent: str = "none",
    contact: str | None = None,
    *,
    actor: str | None = None,
) -> Site:
    """Add a site (audited when an `actor` is given: every command and admin request)."""
    async with conn.transaction():
        row = await conn.fetchrow(
            SQL.add_site, new_site_key(), name, domains, retention_days, timezone, consent, contact
        )
        site = Site(**dict(row))
        if actor is not None:
            await record(conn, actor, "site-add", {"site": site.key, "name": name})
    return site


async def edit_site(conn: asyncpg.Connection, key: str, *, actor: str, **changes: object) -> Site:
    """Change some of a site's name, domains, retention_days, timezone, consent and
    contact (checked by the caller); the site as it is now."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    site = await site_by_key(conn, key)
    if site is None:
        raise PeilError(f"There is no site with the key {key[:64]!r}; see: peil sites list.")
    values = {**{name: getattr(site, name) for name in EDITABLE}, **changes}
    async with conn.transaction():
        row = await conn.fetchrow(
            SQL.edit_site, site.id, *(values[name] for name in EDITABLE_ORDER)
        )
        await record(conn, actor, "site-edit", {"site": key, "changed": sorted(changes)})
    return Site(**dict(row))


EDITABLE_ORDER = ("name", "domains", "retention_days", "timezone", "consent", "contact")
EDITABLE = frozenset(EDITABLE_ORDER)


async def site_by_key(conn: asyncpg.Connection, key: str) -> Site | None:
    row = await conn.fetchrow(SQL.site_by_key, key)
    return Site(**dict(row)) if row else None


async def list_sites(conn: asyncpg.Connection) -> list[Site]:
    return [Site(**dict(row)) for row in await conn.fetch(SQL.list_sites)]


def snippet(site: Site, public_url: str) -> str:
    """The script tag to paste into the site's pages."""
    consent = ' data-consent="required"' if site.consent == "required" else ""
    return f'<script defer src="{public_url}/peil.js" data-site="{site.key}"{consent}></script>'


async def list_sites_with_counts(conn: asyncpg.Connection) -> list[tuple[Site, int]]:
    rows = await conn.fetch(SQL.list_sites_with_counts)
    sites = []
    for row in rows:
        values = dict(row)
        count = values.pop("n")
        sites.append((Site(**values), count))
    return sites
