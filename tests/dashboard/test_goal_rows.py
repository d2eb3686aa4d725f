"""Page goals with a wildcard read their kept daily rows when unfiltered
(collector/rollup/day_reports.py, migration 0012): the hand counts, the same
as through the selection; a goal added after its days were made is counted
from the events until the next rollup run makes its rows; a removed goal's
rows go with it."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from collector.rollup import job as rollup
from collector.store.goals import Goal, add_goal, remove_goal
from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at, fold
from tests.support.named_sql import named_query

D = EXAMPLE_DAY
D1 = D + timedelta(days=1)
TODAY = date.today()
RANGE = {"from": D.isoformat(), "to": date.today().isoformat()}
EVERYTHING = {"filter": "page!=/no/such/page"}  # the same events, through the selection
KEPT = named_query("goal_rows.kept")
SHIFT = named_query("goal_rows.shift")


def pageview(day, clock, visitor, path):
    return {"ts": at(day, clock), "visitor": visitor, "t": "pageview", "path": path}


EVENTS = [
    pageview(D, "09:00", 1, "/blog/a"),
    pageview(D, "09:01", 1, "/blog/b"),  # the same visitor-day: one visitor, two events
    pageview(D, "10:00", 2, "/blog/a"),
    pageview(D, "10:01", 2, "/pricing"),
    pageview(D1, "09:00", 1, "/blog/c"),
    pageview(D1, "09:05", 3, "/docs/x"),
    pageview(TODAY, "00:00", 4, "/blog/today"),  # today: made while open
    {"ts": at(D, "09:02"), "visitor": 1, "t": "custom", "path": "/blog/b", "name": "signup"},
]
GOALS = (
    Goal("Blog", "page", "/blog/*"),
    Goal("Nothing", "page", "/nothing/*"),
    Goal("Pricing", "page", "/pricing"),
    Goal("Signup", "event", "signup"),
)
ANSWER = {
    "Blog": (5, 4),  # (events, visitor-days): D visitors 1 and 2, D1 visitor 1, today visitor 4
    "Nothing": (0, 0),
    "Pricing": (1, 1),
    "Signup": (1, 1),
}


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Goal rows")
        await add_events(conn, site, *EVENTS)
        for goal in GOALS:
            await add_goal(conn, site["id"], goal, actor="test")
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def goals(get, site, **params):
    status, body = await get("/api/stats/goals", site=site["key"], **RANGE, **params)
    assert status == 200, body
    return {g["name"]: (g["events"], g["visitors"]) for g in body["goals"]}


async def kept_rows(db, site):
    rows = await db.fetch(KEPT, site["id"])
    return [tuple(r) for r in rows]


async def days_made(db, site, name):
    return await db.fetchval(
        "SELECT days_made FROM goals WHERE site_id = $1 AND name = $2", site["id"], name
    )


async def test_made_days_keep_a_row_per_pattern(db, site):
    assert await kept_rows(db, site) == [
        ("/blog/*", D, 3, 2),
        ("/blog/*", D1, 1, 1),
        ("/blog/*", TODAY, 1, 1),
        ("/nothing/*", D, 0, 0),
        ("/nothing/*", D1, 0, 0),
        ("/nothing/*", TODAY, 0, 0),
    ]


async def test_unfiltered_equals_the_hand_count_and_the_selection(get, site):
    assert await goals(get, site) == ANSWER
    assert await goals(get, site, **EVERYTHING) == ANSWER


async def test_the_kept_rows_are_what_is_read(get, db, site):
    await db.execute(SHIFT, site["id"], D, 100)
    try:
        assert (await goals(get, site))["Blog"] == (105, 4)
        assert (await goals(get, site, **EVERYTHING))["Blog"] == (5, 4)
    finally:
        await db.execute(SHIFT, site["id"], D, -100)


async def test_a_goal_added_later_counts_at_once_and_is_made_by_the_next_run(get, db, site):
    await add_goal(db, site["id"], Goal("Docs", "page", "/docs/*"), actor="test")
    try:
        # Not made yet: counted from the events.
        assert ("/docs/*", D1, 1, 1) not in await kept_rows(db, site)
        assert await days_made(db, site, "Docs") is False
        assert (await goals(get, site))["Docs"] == (1, 1)
        await rollup.fold_new(db)
        assert {("/docs/*", D, 0, 0), ("/docs/*", D1, 1, 1)} <= set(await kept_rows(db, site))
        # Marked: later runs look for its missing rows no more.
        assert await days_made(db, site, "Docs") is True
        assert await goals(get, site) == {**ANSWER, "Docs": (1, 1)}
    finally:
        await remove_goal(db, site["id"], "Docs", actor="test")
    assert all(row[0] != "/docs/*" for row in await kept_rows(db, site))


async def test_a_removed_pattern_keeps_its_rows_while_another_goal_has_it(get, db, site):
    await add_goal(db, site["id"], Goal("Blog again", "page", "/blog/*"), actor="test")
    await remove_goal(db, site["id"], "Blog again", actor="test")
    assert ("/blog/*", D, 3, 2) in await kept_rows(db, site)
    assert await goals(get, site) == ANSWER


async def test_two_goals_with_one_match_count_it_once_each(get, db, site):
    twins = (
        Goal("Signup twin", "event", "signup"),
        Goal("Pricing twin", "page", "/pricing"),
        Goal("Blog twin", "page", "/blog/*"),
    )
    for goal in twins:
        await add_goal(db, site["id"], goal, actor="test")
    try:
        twice = {**ANSWER, "Signup twin": (1, 1), "Pricing twin": (1, 1), "Blog twin": (5, 4)}
        assert await goals(get, site) == twice
        assert await goals(get, site, **EVERYTHING) == twice
    finally:
        for goal in twins:
            await remove_goal(db, site["id"], goal.name, actor="test")
