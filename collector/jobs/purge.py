"""The daily purge inside `peil serve`, at PEIL_PURGE_AT (UTC), so a
single-process install enforces retention without cron."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

import asyncpg

from collector.config import Settings
from collector.retention.purge import PurgeBusy, purge

log = logging.getLogger(__name__)

ACTOR = "serve"


def next_run(after: datetime, at: time) -> datetime:
    """The first moment strictly after `after` at which the UTC clock reads `at`."""
    after = after.astimezone(UTC)
    due = datetime.combine(after.date(), at, tzinfo=UTC)
    return due if due > after else due + timedelta(days=1)


async def run(pool: asyncpg.Pool, settings: Settings, now: datetime | None = None) -> None:
    async with pool.acquire() as conn:
        try:
            report = await purge(
                conn,
                now=now or datetime.now(UTC),
                retention_days=settings.retention_days,
                aggregate_retention_days=settings.aggregate_retention_days,
                actor=ACTOR,
            )
        except PurgeBusy:
            # Another instance (or an operator's `peil purge`) is doing it.
            log.info("purge skipped: another purge is running")
            return
    log.info("purge removed %s in %.1f s", report.totals(), report.seconds)
