"""The visit dimensions' daily breakdown (rollup_day_visit_keys): made once a
day has closed, equal to the same numbers counted from its visits, made again
after a rebuild, and read together with the days not made yet."""

from __future__ import annotations

from datetime import timedelta

import pytest

from collector.db.queries import load
from collector.model.vocabulary import VISIT_DIMENSIONS
from collector.rollup import job as rollup
from collector.rollup import visit_keys
from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at
from tests.support.named_sql import named_query

D = EXAMPLE_DAY
ANALYTICS = load("dashboard.stats.analytics")

# The breakdown of a day, counted from its visits in plain SQL.
FROM_VISITS = named_query("visit_keys.from_visits")
MADE = named_query("visit_keys.made")


def visits_of(day, visitor, country, query=None):
    base = {"visitor": visitor, "country": country, "query": query, "screen_w": 390,
            "screen_h": 844, "referrer": "t.co/" if visitor % 2 else None}  # fmt: skip
    return [
        {**base, "ts": at(day, "09:00"), "t": "pageview", "path": "/in"},
        {**base, "ts": at(day, "09:05"), "t": "pageview", "path": "/b"},
        {**base, "ts": at(day, "09:06"), "t": "click", "path": "/b", "x": 0.5, "y": 1},
        {**base, "ts": at(day, "11:00"), "t": "pageview", "path": "/again"},
    ]


@pytest.fixture
async def site(db):
    site = await add_site(db, "Visit keys")
    for offset in range(3):
        day = D + timedelta(days=offset)
        for visitor in range(1, 5):
            country = ("NL", "BE", None)[visitor % 3]
            query = "utm_source=mail+x" if visitor == 2 else None
            await add_events(db, site, *visits_of(day, visitor + 10 * offset, country, query))
    await db.execute("UPDATE rollup_state SET watermark = '-infinity', snapshot = NULL")
    await rollup.fold_new(db)
    return site


async def test_a_closed_day_is_made_from_its_visits(db, site):
    for dim in ("entry_page", "country", "utm_source", "screen", "referrer"):
        made = await db.fetch(MADE, site["id"], D, dim)
        assert [tuple(r) for r in made] == [
            tuple(r) for r in await db.fetch(FROM_VISITS, site["id"], D, dim)
        ]
        assert made, dim
    # Every visit dimension has its rows, and the '*' row marks the day.
    rows = await db.fetch(
        "SELECT DISTINCT dim FROM rollup_day_visit_keys WHERE site_id = $1", site["id"]
    )
    dims = {r["dim"] for r in rows}
    assert dims == {"*", *VISIT_DIMENSIONS}


async def test_made_days_and_live_days_give_the_same_rows(db, site):
    days = [D + timedelta(days=i) for i in range(3)]
    # Every day made: the kept rows only (the span of the days not made is empty).
    all_made = (site["id"], days, days[-1] + timedelta(days=1), days[-1])
    made = await db.fetch(ANALYTICS.visit_rows_rolled, *all_made, "country", 100, None)
    # The same range with no day made: every row from the visits directly.
    none_made = (site["id"], [], days[0], days[-1])
    live = await db.fetch(ANALYTICS.visit_rows_rolled, *none_made, "country", 100, None)
    assert [tuple(r) for r in made] == [tuple(r) for r in live]
    assert sum(r["visits"] for r in live) == 3 * 4 * 2  # two visits per visitor and day
    # One of each.
    mixed = (site["id"], days[:1], days[1], days[2])
    both = await db.fetch(ANALYTICS.visit_rows_rolled, *mixed, "country", 100, None)
    assert [tuple(r) for r in both] == [tuple(r) for r in made]
    # Deleted, the next run makes them again.
    await db.execute("DELETE FROM rollup_day_visit_keys WHERE site_id = $1", site["id"])
    await rollup.fold_new(db)
    again = await db.fetch(ANALYTICS.visit_rows_rolled, *all_made, "country", 100, None)
    assert [tuple(r) for r in again] == [tuple(r) for r in made]


async def test_a_rebuilt_day_is_made_again_with_its_new_visits(db, site):
    before = await db.fetchval(
        "SELECT visits FROM rollup_day_visit_keys WHERE site_id = $1 AND day = $2 AND dim = '*'",
        site["id"],
        D,
    )
    # A late visitor for a closed day whose raw rows are all there: a rebuild.
    await add_events(db, site, *visits_of(D, 99, "NL"))
    report = await rollup.fold_new(db)
    assert (site["id"], D) in report.rebuilt
    after = await db.fetchval(
        "SELECT visits FROM rollup_day_visit_keys WHERE site_id = $1 AND day = $2 AND dim = '*'",
        site["id"],
        D,
    )
    assert after == before + 2


async def test_a_run_makes_at_most_its_share_of_days(db, site, monkeypatch):
    await db.execute("DELETE FROM rollup_day_visit_keys WHERE site_id = $1", site["id"])
    monkeypatch.setattr(visit_keys, "DAYS_PER_RUN", 2)
    await rollup.fold_new(db)
    made = await db.fetchval(
        "SELECT count(*) FROM rollup_day_visit_keys WHERE site_id = $1 AND dim = '*'", site["id"]
    )
    assert made == 2
    await rollup.fold_new(db)
    made = await db.fetchval(
        "SELECT count(*) FROM rollup_day_visit_keys WHERE site_id = $1 AND dim = '*'", site["id"]
    )
    assert made == 3
