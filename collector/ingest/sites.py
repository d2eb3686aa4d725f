"""Site registry: the site keys and domains ingest checks, kept in memory.

Refreshed from PostgreSQL every few seconds in the background, so a request
never waits on the database; an unknown key triggers at most one extra
refresh per second, so a site added a moment ago works at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg

from collector.model.periodic import repeat_every

REFRESH_INTERVAL_S = 5.0
UNKNOWN_KEY_REFRESH_S = 1.0


@dataclass(frozen=True, slots=True)
class SiteInfo:
    id: int
    domains: tuple[str, ...]
    consent: str = "none"  # "required": the only mode whose uid/sid are stored


class SiteRegistry:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._by_key: dict[str, SiteInfo] = {}
        self._domains: frozenset[str] = frozenset()
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def load(self) -> None:
        # A site being removed (peil sites remove) takes no more events.
        rows = await self.pool.fetch(
            "SELECT id, key, domains, consent FROM sites WHERE removing_since IS NULL"
        )
        self._by_key = {
            r["key"]: SiteInfo(r["id"], tuple(r["domains"]), r["consent"]) for r in rows
        }
        self._domains = frozenset(d for r in rows for d in r["domains"])
        self._loaded_at = time.monotonic()

    async def get(self, key: str) -> SiteInfo | None:
        site = self._by_key.get(key)
        if site is None and time.monotonic() - self._loaded_at > UNKNOWN_KEY_REFRESH_S:
            async with self._lock:
                if time.monotonic() - self._loaded_at > UNKNOWN_KEY_REFRESH_S:
                    await self.load()
            site = self._by_key.get(key)
        return site

    def any_site_has(self, host: str) -> bool:
        """Whether `host` is on some site's domains (for CORS preflights, which carry no key)."""
        while host:
            if host in self._domains:
                return True
            _, _, host = host.partition(".")
        return False

    async def keep_fresh(self) -> None:
        # On failure the last known sites keep being served.
        await repeat_every(REFRESH_INTERVAL_S, self.load, "refresh sites")
