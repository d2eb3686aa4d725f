"""What a stats request selects: a site's days in its time zone, and filters.

Every filtered report's query takes the same ten leading parameters (see
`Selection.args`), those of the SQL function `peil_selected_events`
(migration 0009: the site's events of the days matching the event filters,
within a visit matching the visit filters); `peil_filtered_visits` takes
the site, the days and the visit filters. A report that needs the visits
holding a selected event joins the two. The definitions they implement are
the README's "Filters, visits and the reports' definitions".

Where they read from: the visits (`visits`, `rollup_open_visits`) and the
raw events; the unfiltered answers come from the daily rollups instead
(README, "How the reports are answered").

Those queries run planned with their parameters (`force_custom_plan`):
PostgreSQL then folds the unused filter slots and branches away (a branch
of `peil_selected_events` whose condition is on a parameter only) and sees
which days the range covers, where a generic plan would scan for every slot
and day. A join to the matching visits is one hash join: an EXISTS under an
OR would be a lookup per event, as PostgreSQL flattens sublinks before it
folds constants.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import asyncpg

from dashboard.stats.filters import Filters

NO_FILTERS = Filters()


@dataclass(frozen=True)
class Selection:
    site_id: int
    timezone: str
    first: date
    last: date
    filters: Filters = NO_FILTERS

    def args(self) -> tuple[Any, ...]:
        return (self.site_id, self.first, self.last, self.timezone, *self.filters.args())

    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.days())]

    def shifted(self, first: date, last: date) -> Selection:
        return replace(self, first=first, last=last)

    def previous(self) -> Selection:
        """The same number of days, ending the day before `first`."""
        last = self.first - timedelta(days=1)
        return self.shifted(last - timedelta(days=self.days() - 1), last)

    def year_before(self) -> Selection:
        return self.shifted(year_earlier(self.first), year_earlier(self.last))

    def not_made(self, made: list[date]) -> Selection:
        """The span of the days not in `made` (empty, first after last, when
        every day is): what an unfiltered report reads from the visits or
        events, the made days being read from their daily rows."""
        missing = sorted(set(self.each_day()) - set(made))
        if not missing:
            return self.shifted(self.last + timedelta(days=1), self.last)
        return self.shifted(missing[0], missing[-1])


def year_earlier(day: date) -> date:
    """The same date a year earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


async def made_split(
    conn: asyncpg.Connection, made_query: str, s: Selection
) -> tuple[list[date], Selection]:
    """For an unfiltered report over daily rows made once a day is over: the
    range's made days (`made_query`: site, first, last), and the selection of
    the span of the others, to be read from the visits or events."""
    made = [r["day"] for r in await conn.fetch(made_query, s.site_id, s.first, s.last)]
    return made, s.not_made(made)


# A report over raw events may read millions of rows; past QUERY_TIMEOUT it
# is cancelled and answered 503 (dashboard/api.py) rather than holding a
# connection and a core for as long as it takes.
QUERY_TIMEOUT = "30 s"
SETTINGS = (
    "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL work_mem = '64MB';"
    " SET LOCAL statement_timeout = '30s'"
)


@asynccontextmanager
async def planned_with_parameters(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """A read transaction whose queries are planned with their parameters, with
    room for their hashes and sorts in memory."""
    async with conn.transaction(readonly=True):
        await conn.execute(SETTINGS)
        yield
