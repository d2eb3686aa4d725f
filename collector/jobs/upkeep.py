"""Partition upkeep: today's partition and the next days' always exist."""

from __future__ import annotations

import logging

import asyncpg

from collector.db.partitions import ensure_partitions_ahead

log = logging.getLogger(__name__)


async def run(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        created = await ensure_partitions_ahead(conn)
    if created:
        log.info("created partitions %s", ", ".join(created))
