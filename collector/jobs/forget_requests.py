"""Open forget requests checked again in `peil serve`: the spool backlog of
a forget (collector/privacy/requests.py)."""

from __future__ import annotations

import logging

import asyncpg

from collector.config import Settings
from collector.privacy.requests import recheck

log = logging.getLogger(__name__)

ACTOR = "serve"
# A check with no open request is one indexed query; with one it reads the
# rows committed in the last interval only.
INTERVAL_S = 10.0


async def run(pool: asyncpg.Pool, settings: Settings) -> None:
    async with pool.acquire() as conn:
        checked = await recheck(
            conn, spool_dir=settings.spool_dir, retention_days=settings.retention_days, actor=ACTOR
        )
    for check in checked:
        if check.deleted or check.closed:
            log.info(
                "forget request %d: %d more rows deleted%s",
                check.id,
                check.deleted,
                "; closed" if check.closed else "",
            )
