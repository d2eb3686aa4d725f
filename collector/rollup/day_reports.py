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

A wildcard goal's rows (peil_goal_rows, migration 0012) are made with the
day's other rows, for the site's patterns then; a goal added later is made
for the days made before it by the next runs (newest first, at most
DAYS_PER_RUN per run), and marked (`goals.days_made`) once it is.

A day is made once it has ended in the site's zone (days.MADE_AFTER past
its end), by each rollup run for at most DAYS_PER_RUN days, with a '*' row
that marks it. Like the visit keys (visit_keys.py), a day that takes rows
after loses them (`forget_days`, job.py), and a rebuilt day loses them with
its other aggregates (fold.ROLLUP_TABLES); either is made again.

The days not made yet (today; yesterday for an hour) have their report rows
made too, while open, so that an unfiltered report does not count a whole
day of events at every request: by the rollup run, in its snapshot (the
rows then match the other aggregates), with a '~' row that marks them. A
run that folded rows into such a day makes its rows again, unless that
would take more than 1/OPEN_PACE of the time since the last make (its cost
estimated as the last make's duration, grown with the day's rows), and at
the latest OPEN_STALEST after it; a run spends at most OPEN_RUN_BUDGET on
them, the longest waiting first. So a small site's reports of today are as
current as its other aggregates; at 330,000 events a day (a make: 0.85 s)
they are up to about 20 s behind, as Matomo's archives of today are, and
the makes take at most about 1/OPEN_PACE of the jobs process. A filtered
report counts the events at the request.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import asyncpg

from collector.db.queries import load
from collector.rollup.days import MADE_AFTER

SQL = load(__name__)

DAYS_PER_RUN = 20
OPEN_PACE = 20
OPEN_STALEST = timedelta(minutes=10)
OPEN_RUN_BUDGET = timedelta(seconds=2)
# Site, first and last day: the days whose report rows are kept, made or
# made while open (their reader: dashboard/stats/reports.py) ...
REPORT_DAYS = SQL.report_days
# ... and the days made, with every page's clicks (dashboard/stats/clicks.py).
MADE_DAYS = SQL.made_days


async def make_days(conn: asyncpg.Connection) -> int:
    """Make the rows of the days over (MADE_AFTER past their end) that lack
    them, and of the goals added since for the days made before; how many
    days were made."""
    days = await conn.fetch(SQL.days_to_make, MADE_AFTER, DAYS_PER_RUN)
    for site_id, timezone, day in days:
        async with conn.transaction():
            await _make_reports(conn, site_id, timezone, day)
            await conn.execute(SQL.make_day, site_id, day)
            await conn.execute(SQL.make_day_clicks, site_id, day)
    await _make_new_goals(conn)
    return len(days)


async def make_open_days(conn: asyncpg.Connection) -> int:
    """Make again the report rows of the days not over whose rows made while
    open are missing or stale (module docstring); how many days were made."""
    days = await conn.fetch(
        SQL.open_days_to_make, MADE_AFTER, OPEN_PACE, OPEN_STALEST, DAYS_PER_RUN
    )
    budget_end = time.monotonic() + OPEN_RUN_BUDGET.total_seconds()
    made = 0
    for site_id, timezone, day, events in days:
        started = time.monotonic()
        if made and started >= budget_end:
            break
        async with conn.transaction():
            await _make_reports(conn, site_id, timezone, day)
            await conn.execute(SQL.mark_open, site_id, day, events, time.monotonic() - started)
        made += 1
    return made


async def _make_reports(conn: asyncpg.Connection, site_id: int, timezone: str, day: date) -> None:
    """The day's rows of every event report and of the site's wildcard goals,
    in place of those it had."""
    await conn.execute(SQL.clear_day, site_id, day)
    await conn.execute(SQL.make_reports, site_id, day, timezone)
    patterns = [r["match"] for r in await conn.fetch(SQL.site_patterns, site_id)]
    await _make_goal_day(conn, site_id, timezone, day, patterns)


async def _make_new_goals(conn: asyncpg.Connection) -> None:
    """The rows of goals added after some of their days were made: the
    missing days, newest first, DAYS_PER_RUN a run; the goals marked once
    none is left."""
    goals = await conn.fetch(SQL.goals_to_make)
    if not goals:
        return
    sites, names = [g["site_id"] for g in goals], [g["name"] for g in goals]
    missing = await conn.fetch(
        SQL.goal_days_to_make, sites, [g["match"] for g in goals], DAYS_PER_RUN
    )
    for site_id, timezone, day, patterns in missing:
        await _make_goal_day(conn, site_id, timezone, day, patterns)
    if len(missing) < DAYS_PER_RUN:
        await conn.execute(SQL.goals_made, sites, names)


async def _make_goal_day(
    conn: asyncpg.Connection, site_id: int, timezone: str, day: date, patterns: list[str]
) -> None:
    if patterns:
        await conn.execute(
            SQL.make_goal_day, site_id, day, timezone, patterns, ["page"] * len(patterns)
        )


async def forget_days(conn: asyncpg.Connection, days: list[tuple[int, date]]) -> None:
    """These (site, day)s took rows: their rows are made again later."""
    if days:
        await conn.execute(SQL.forget_days, [d[0] for d in days], [d[1] for d in days])
