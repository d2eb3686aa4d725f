"""Daily salts for the visitor hash, shared by all workers through PostgreSQL.

Each UTC day has one random salt. Today's and tomorrow's are created ahead
and held in memory, so the switch at 00:00 UTC needs no database round trip;
a few minutes after midnight the previous days' salts are deleted, and with
them any way to recompute yesterday's visitor hashes.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date, timedelta

import asyncpg

from collector.model.periodic import repeat_every

log = logging.getLogger(__name__)

ROTATION_GRACE_S = 300  # late requests of the old day may still finish
REFRESH_INTERVAL_S = 60
SECONDS_PER_DAY = 86400


def utc_day_number(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // SECONDS_PER_DAY)


def day_of(number: int) -> date:
    return date(1970, 1, 1) + timedelta(days=number)


async def ensure_salts(conn, today: int) -> dict[int, bytes]:
    """Create today's and tomorrow's salts if missing; return both."""
    days = [day_of(today), day_of(today + 1)]
    await conn.executemany(
        "INSERT INTO salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING",
        [(day, os.urandom(32)) for day in days],
    )
    rows = await conn.fetch("SELECT day, salt FROM salts WHERE day = ANY($1::date[])", days)
    return {(r["day"] - date(1970, 1, 1)).days: bytes(r["salt"]) for r in rows}


async def destroy_old_salts(conn, today: int) -> int:
    """Delete salts of days before today; returns how many."""
    result = await conn.execute("DELETE FROM salts WHERE day < $1", day_of(today))
    return int(result.split()[-1])


class SaltKeeper:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._salts: dict[int, bytes] = {}

    def salt(self, day: int) -> bytes | None:
        return self._salts.get(day)

    async def refresh(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        today = utc_day_number(now)
        async with self.pool.acquire() as conn:
            self._salts = await ensure_salts(conn, today)
            past_grace = now - today * SECONDS_PER_DAY >= ROTATION_GRACE_S
            if past_grace and await destroy_old_salts(conn, today):
                log.info("destroyed the visitor-hash salt of %s", day_of(today - 1))

    async def salt_now(self) -> bytes:
        """Today's salt; loads it if this process somehow has none yet."""
        day = utc_day_number()
        salt = self._salts.get(day)
        if salt is None:
            await self.refresh()
            salt = self._salts[day]
        return salt

    async def keep_fresh(self) -> None:
        # On failure tomorrow's salt is already in memory; the next try may work.
        await repeat_every(REFRESH_INTERVAL_S, self.refresh, "refresh salts")
