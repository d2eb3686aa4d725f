"""The visit dimensions' daily breakdown (`rollup_day_visit_keys`), made once
per day from its visits when the day is over.

A day's visits change while it takes events (a late event can still
extend, bridge or start one), so its breakdown by entry page, referrer, UTM
campaign, country... is made once the day has ended in the site's zone
(days.MADE_AFTER past its end, beyond the late window), in one pass over
its visits, by each rollup run for at most DAYS_PER_RUN days. A day that
takes rows after (a late event, an incremental fold of a day still open for
the rollup) loses it (`forget_days`, job.py), and a rebuilt day loses it with
its other aggregates; either is made again. The unfiltered visit-dimension
reports sum the made days and aggregate the other days of their range
(today, mostly) from the visits directly (dashboard/stats/analytics.py), so
every day counts once, made or not.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from collector.db.queries import load
from collector.rollup.days import MADE_AFTER

SQL = load(__name__)

DAYS_PER_RUN = 20


async def make_days(conn: asyncpg.Connection) -> int:
    """Make the rows of the days over (MADE_AFTER past their end) that lack
    them; how many days were made."""
    days = await conn.fetch(SQL.days_to_make, MADE_AFTER, DAYS_PER_RUN)
    for site_id, day in days:
        await conn.execute(SQL.make_day, site_id, day)
    return len(days)


async def forget_days(conn: asyncpg.Connection, days: list[tuple[int, date]]) -> None:
    """These (site, day)s took rows: their rows are made again later."""
    if days:
        await conn.execute(SQL.forget_days, [d[0] for d in days], [d[1] for d in days])
