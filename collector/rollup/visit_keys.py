"""The visit dimensions' daily breakdown (`rollup_day_visit_keys`), made once
per closed day from its visits.

Visits change until their day closes (a late event can still extend,
bridge or start one), so a day's breakdown by entry page, referrer, UTM
campaign, country... is made when the day has closed, in one pass over its
visits, by each rollup run for at most DAYS_PER_RUN days. A rebuilt day
(job.py) loses it with its other aggregates and gets it again; a closed day
that takes late rows without a rebuild loses it too (`forget_day`), to be
made again. The unfiltered visit-dimension reports sum the made days and
aggregate the other days of their range from the visits directly
(dashboard/stats/analytics.py), so every day counts once, made or not.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from collector.db.queries import load

SQL = load(__name__)

DAYS_PER_RUN = 20


async def make_closed_days(conn: asyncpg.Connection, open_from: date) -> int:
    """Make the breakdown of closed days that lack one; how many were made."""
    days = await conn.fetch(SQL.days_to_make, open_from, DAYS_PER_RUN)
    for site_id, day in days:
        await conn.execute(SQL.make_day, site_id, day)
    return len(days)


async def forget_day(conn: asyncpg.Connection, site_id: int, day: date) -> None:
    """A closed day's visits changed: its breakdown is made again later."""
    await conn.execute(
        "DELETE FROM rollup_day_visit_keys WHERE site_id = $1 AND day = $2", site_id, day
    )
