"""The daily rollup's keys per calendar month (`rollup_month_keys`), made
once a month is over, so that a long range sums months instead of days.

A month is made once it has ended in the site's zone (days.MADE_AFTER past
its end), by each rollup run for at most MONTHS_PER_RUN months: each key is
the sum of its days' rows of rollup_day_keys, and a '*' row marks the month.
A day that takes rows after, or is rebuilt, drops its month (`forget_months`,
job.py), made again by a later run. A breakdown over a range reads the made
months wholly inside it and the days of the rest (`month_spans`;
dashboard/stats/breakdown.py), so every day counts once.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg

from collector.db.queries import load
from collector.rollup.days import MADE_AFTER

SQL = load(__name__)

MONTHS_PER_RUN = 6


async def make_months(conn: asyncpg.Connection) -> int:
    """Make the keys of the months over that lack them; how many were made."""
    months = await conn.fetch(SQL.months_to_make, MADE_AFTER, MONTHS_PER_RUN)
    for site_id, month in months:
        async with conn.transaction():
            # Rows left by a retention purge caught halfway go first.
            await conn.execute(SQL.forget_month, site_id, month)
            await conn.execute(SQL.make_month, site_id, month)
    return len(months)


async def forget_months(conn: asyncpg.Connection, days: list[tuple[int, date]]) -> None:
    """These (site, day)s took rows or were rebuilt: their months are made again."""
    if days:
        await conn.execute(SQL.forget_months, [d[0] for d in days], [d[1] for d in days])


async def month_spans(
    conn: asyncpg.Connection, site_id: int, first: date, last: date
) -> tuple[list[date], list[tuple[date, date]]]:
    """The made months wholly inside first..last, and the other days' spans."""
    made = {r["month"] for r in await conn.fetch(SQL.made_months, site_id, first, last)}
    return split_range(first, last, made)


def split_range(
    first: date, last: date, made: set[date]
) -> tuple[list[date], list[tuple[date, date]]]:
    """The months of `made` (their first days) wholly inside first..last, and
    the spans (first and last day) of the range's other days, in order."""
    months: list[date] = []
    spans: list[tuple[date, date]] = []
    day = first
    while day <= last:
        month_end = next_month(day) - timedelta(days=1)
        end = min(month_end, last)
        if day.day == 1 and end == month_end and day in made:
            months.append(day)
        elif spans and spans[-1][1] == day - timedelta(days=1):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((day, end))
        day = end + timedelta(days=1)
    return months, spans


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
