"""Partition upkeep: today's partition and the next days' always exist."""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from collector.db.partitions import ensure_partitions_ahead

log = logging.getLogger(__name__)


async def run(pool: asyncpg.Pool, now: datetime | None = None) -> None:
    async with pool.acquire() as conn:
        created = await ensure_partitions_ahead(conn, now)
    if created:
        log.info("created partitions %s", ", ".join(created))
