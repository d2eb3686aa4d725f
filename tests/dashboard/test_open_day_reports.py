"""Today's event reports read rows made while the day is open
(collector/rollup/day_reports.py): a run makes them and marks them '~', the
unfiltered reports read them, a run that folds rows into the day makes them
again, unless the pace holds them (their last make took too long for the
time since), and once the day is over its rows are made for good ('*')."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from collector.rollup import day_reports
from collector.rollup import job as rollup
from tests.support.dashboard_data import add_events, add_site, at
from tests.support.named_sql import named_query

SHIFT_ELEMENTS = named_query("day_reports.shift_elements")
MARKS = named_query("open_day_reports.marks")
MARK = named_query("open_day_reports.mark")
AGE = named_query("open_day_reports.age")
STALE_ROWS = named_query("open_day_reports.stale_rows")


def element_events(start: datetime, visitor: int) -> list[dict]:
    """A pageview, then #hero on screen for 2 s and clicked: one view, one click."""
    base = {"visitor": visitor, "path": "/a"}
    return [
        {**base, "ts": start, "t": "pageview"},
        {**base, "ts": start + timedelta(seconds=1), "t": "eleOn", "el": "#hero"},
        {**base, "ts": start + timedelta(seconds=2), "t": "click", "el": "#hero", "x": 0.5, "y": 9},
        {**base, "ts": start + timedelta(seconds=3), "t": "eleOff", "el": "#hero"},
    ]


@pytest.fixture
async def today_site(db):
    site = await add_site(db, "Open day reports")
    today = datetime.now(UTC).date()
    await add_events(db, site, *element_events(at(today, "00:00:01"), 1))
    await rollup.fold_new(db)
    return site, today


async def marks(db, site) -> dict[str, list[date]]:
    rows = await db.fetch(MARKS, site["id"])
    out: dict[str, list[date]] = {"*": [], "~": []}
    for r in rows:
        out[r["report"]].append(r["day"])
    return out


async def elements(get, site, **params) -> tuple[int, int]:
    today = datetime.now(UTC).date().isoformat()
    status, body = await get(
        "/api/stats/elements", site=site["key"], **{"from": today, "to": today}, **params
    )
    assert status == 200, body
    hero = next(r for r in body["rows"] if r["el"] == "#hero")
    return hero["views"], hero["clicks"]


async def test_today_is_made_while_open_and_read(get, db, today_site):
    site, today = today_site
    assert await marks(db, site) == {"*": [], "~": [today]}
    assert await elements(get, site) == (1, 1)
    # The report reads the kept rows: changed by hand, the answer follows them.
    await db.execute(SHIFT_ELEMENTS, site["id"], 100)
    assert await elements(get, site) == (101, 1)
    # Through a filter, today is counted from its events.
    assert await elements(get, site, filter="page!=/no/such/page") == (1, 1)


async def test_a_run_that_folds_rows_into_today_makes_its_rows_again(get, db, today_site):
    site, today = today_site
    await add_events(db, site, *element_events(at(today, "00:00:10"), 2))
    await rollup.fold_new(db)
    assert await elements(get, site) == (2, 2)
    assert await marks(db, site) == {"*": [], "~": [today]}


async def made_while_open(db, site, **columns: float) -> None:
    """Change the '~' row: how long its make took, how long ago (seconds)."""
    await db.execute(AGE, site["id"], columns.get("took"), columns.get("ago"))


@pytest.mark.parametrize(
    ("took", "ago"),
    [
        # 10 s for 4 rows, now 8: again in 20 x 20 s.
        (10, 401),
        # So slow that the pace would wait for hours: OPEN_STALEST (10 minutes).
        (1000, 601),
    ],
)
async def test_the_pace_holds_a_slow_make_back_until_its_time_has_passed(
    get, db, today_site, monkeypatch, took, ago
):
    site, today = today_site
    monkeypatch.setattr(day_reports, "OPEN_PACE", 20)
    await made_while_open(db, site, took=took)
    await add_events(db, site, *element_events(at(today, "00:00:10"), 2))
    await rollup.fold_new(db)
    assert await elements(get, site) == (1, 1)  # held back: the rows of before
    # The filtered report counts the events at the request.
    assert await elements(get, site, filter="page!=/no/such/page") == (2, 2)
    await made_while_open(db, site, ago=ago - 20)
    await rollup.fold_new(db)  # not yet
    assert await elements(get, site) == (1, 1)
    await made_while_open(db, site, ago=20)
    await rollup.fold_new(db)  # nothing new to fold, but the day took rows since
    assert await elements(get, site) == (2, 2)
    made = await db.fetchrow(MARK, site["id"])
    assert made["events"] == 8 and made["seconds"] < 10


async def test_an_unchanged_day_is_not_made_again(db, today_site):
    site, _ = today_site
    before = (await db.fetchrow(MARK, site["id"]))["shown"]
    await rollup.fold_new(db)
    after = (await db.fetchrow(MARK, site["id"]))["shown"]
    assert after == before


async def test_a_day_over_is_made_for_good_in_place_of_its_open_rows(get, db):
    """A day made while open that is now over: its '~' rows give way to the
    '*' ones, made from all its events."""
    site = await add_site(db, "Open day over")
    day = datetime.now(UTC).date() - timedelta(days=3)
    await add_events(db, site, *element_events(at(day, "12:00"), 1))
    await db.execute("UPDATE rollup_state SET watermark = '-infinity'")
    await rollup.fold_new(db)
    # As if made while open and not made since, with one view too many (so
    # rows left behind would show).
    for table in ("rollup_day_reports", "rollup_day_site_clicks"):
        await db.execute(f"DELETE FROM {table} WHERE site_id = $1", site["id"])
    await db.execute(STALE_ROWS, site["id"], day)
    await rollup.fold_new(db)
    assert await marks(db, site) == {"*": [day], "~": []}
    params = {"site": site["key"], "from": day.isoformat(), "to": day.isoformat()}
    status, body = await get("/api/stats/elements", **params)
    assert status == 200, body
    assert [(r["el"], r["views"], r["clicks"]) for r in body["rows"]] == [("#hero", 1, 1)]
