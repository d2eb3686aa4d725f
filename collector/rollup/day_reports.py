"""The event reports' daily rows (`rollup_day_reports`: props, errors, the
errors' pages, elements, the media timeline's interactions and durations,
the page goals with a wildcard; every page's clicks together, per element
and per heatmap cell in `rollup_day_site_clicks`), made once per day when
the day is over: from its raw events, the clicks from their per-page rollup.

The rows are defined once, by the SQL function `peil_day_reports` (migration
0010), over the selected events of each site-local day. A filtered report
sums that function's rows over its selection; an unfiltered one sums the
rows kept here for the days made and the function's rows for the others
(dashboard/stats/reports.py), so every day counts once, made or not.

A wildcard goal's rows (peil_goal_rows, migration 0012) are made for its
patterns, after the day's other rows: by the same run for a day just made,
by the next runs for the days made before the goal was added (newest
first, at most DAYS_PER_RUN per run).

A day is made once it has ended in the site's zone (days.MADE_AFTER past
its end), by each rollup run for at most DAYS_PER_RUN days, with a '*' row
that marks it. Like the visit keys (visit_keys.py), a day that takes rows
after loses them (`forget_days`, job.py), and a rebuilt day loses them with
its other aggregates (fold.ROLLUP_TABLES); either is made again.
"""

from __future__ import annotations

from datetime import date

import asyncpg

from collector.db.queries import load
from collector.rollup.days import MADE_AFTER

SQL = load(__name__)

DAYS_PER_RUN = 20
# Site, first and last day: the days made (their readers: dashboard/stats/).
MADE_DAYS = SQL.made_days


async def make_days(conn: asyncpg.Connection) -> int:
    """Make the rows of the days over (MADE_AFTER past their end) that lack
    them; how many days were made."""
    days = await conn.fetch(SQL.days_to_make, MADE_AFTER, DAYS_PER_RUN)
    for site_id, timezone, day in days:
        async with conn.transaction():
            await conn.execute(SQL.make_day, site_id, day, timezone)
            await conn.execute(SQL.make_day_clicks, site_id, day)
    for site_id, timezone, day, patterns in await conn.fetch(SQL.goal_days_to_make, DAYS_PER_RUN):
        await conn.execute(
            SQL.make_goal_day, site_id, day, timezone, patterns, ["page"] * len(patterns)
        )
    return len(days)


async def forget_days(conn: asyncpg.Connection, days: list[tuple[int, date]]) -> None:
    """These (site, day)s took rows: their rows are made again later."""
    if days:
        await conn.execute(SQL.forget_days, [d[0] for d in days], [d[1] for d in days])
