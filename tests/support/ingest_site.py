"""The setting of the ingest and durability tests: loopback is a trusted proxy
(so a test can send from any address with X-Forwarded-For), no rate limit,
and one site on example.nl."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import asyncpg

from collector.config import Settings, load_settings


def ingest_settings(env: Mapping[str, str]) -> Settings:
    return load_settings({**env, "PEIL_TRUSTED_PROXIES": "127.0.0.0/8", "PEIL_RATE_LIMIT": "0"})


async def add_example_site(database_url: str) -> dict[str, Any]:
    """A site on example.nl (subdomains included); its key and id."""
    conn = await asyncpg.connect(database_url)
    try:
        key = "site" + uuid.uuid4().hex[:8]
        site_id = await conn.fetchval(
            "INSERT INTO sites (key, name, domains) VALUES ($1, 'Example', '{example.nl}') "
            "RETURNING id",
            key,
        )
    finally:
        await conn.close()
    return {"key": key, "id": site_id}
