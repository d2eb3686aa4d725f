"""Unfiltered page breakdowns over long ranges sum the made months
(collector/rollup/month_keys.py, migration 0015) and the days at the
range's edges: the hand counts, the same as through the selection; the kept
month rows are what is read; a late event on a made month's day makes the
month again."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from collector.rollup import job as rollup
from collector.rollup.month_keys import next_month, split_range
from tests.support.dashboard_data import add_events, add_site, at, fold
from tests.support.named_sql import named_query

# A month over well before today, with a day on each side of it.
MONTH = next_month(next_month(date.today().replace(day=1) - timedelta(days=100)))
BEFORE = MONTH - timedelta(days=1)
AFTER = next_month(MONTH)
MID = MONTH + timedelta(days=14)
RANGE = {"from": BEFORE.isoformat(), "to": AFTER.isoformat()}
EVERYTHING = {"filter": "page!=/no/such/page"}  # the same events, through the selection
PAGE_ROWS = named_query("month_keys.page_rows")
SHIFT = named_query("month_keys.shift")


def pageview(day, clock, visitor, path):
    return {"ts": at(day, clock), "visitor": visitor, "t": "pageview", "path": path}


EVENTS = [
    pageview(BEFORE, "12:00", 1, "/a"),
    pageview(MONTH, "09:00", 1, "/a"),
    pageview(MONTH, "09:05", 1, "/a"),  # one visitor-day, two pageviews
    pageview(MID, "10:00", 2, "/a"),
    pageview(MID, "10:01", 2, "/b"),
    pageview(AFTER, "08:00", 3, "/b"),
]
ANSWER = [
    {"key": "/a", "visitors": 3, "pageviews": 4, "events": 4},
    {"key": "/b", "visitors": 2, "pageviews": 2, "events": 2},
]


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Month keys")
        await add_events(conn, site, *EVENTS)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def pages(get, site, **params):
    status, body = await get("/api/stats/breakdown", site=site["key"], by="page", **params)
    assert status == 200, body
    return body["rows"]


async def month_rows(db, site):
    rows = await db.fetch(PAGE_ROWS, site["id"])
    return [tuple(r) for r in rows]


async def test_months_over_are_made_from_their_days(db, site):
    assert (MONTH, "/a", 2, 3) in await month_rows(db, site)
    assert (MONTH, "/b", 1, 1) in await month_rows(db, site)


async def test_a_range_over_a_made_month_equals_the_hand_count_and_the_selection(get, site):
    assert await pages(get, site, **RANGE) == ANSWER
    assert await pages(get, site, **RANGE, **EVERYTHING) == ANSWER
    compared = {"compare": "previous", **RANGE}
    status, body = await get("/api/stats/breakdown", site=site["key"], by="page", **compared)
    assert status == 200 and body["rows"] == ANSWER


async def test_the_month_rows_are_what_is_read_for_whole_months_only(get, db, site):
    await db.execute(SHIFT, site["id"], MONTH, 100)
    try:
        assert (await pages(get, site, **RANGE))[0]["pageviews"] == 104
        # A range holding only part of the month reads its days.
        part = {"from": MONTH.isoformat(), "to": (AFTER - timedelta(days=2)).isoformat()}
        assert (await pages(get, site, **part))[0]["pageviews"] == 3
    finally:
        await db.execute(SHIFT, site["id"], MONTH, -100)


async def test_a_late_event_makes_its_month_again(get, db, site):
    await add_events(db, site, pageview(MID, "11:00", 4, "/b"))
    await db.execute("UPDATE rollup_state SET watermark = '-infinity'")
    await rollup.fold_new(db)
    assert (MONTH, "/b", 2, 2) in await month_rows(db, site)
    rows = await pages(get, site, **RANGE)
    assert rows[1] == {"key": "/b", "visitors": 3, "pageviews": 3, "events": 3}
    assert rows == await pages(get, site, **RANGE, **EVERYTHING)


def test_a_range_splits_into_whole_made_months_and_spans_of_days():
    jan, feb, mar = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
    made = {jan, feb, mar}
    # Whole months inside; the edges (and February, not made here) as days.
    assert split_range(date(2023, 12, 20), date(2024, 4, 2), {jan, mar}) == (
        [jan, mar],
        [(date(2023, 12, 20), date(2023, 12, 31)), (feb, date(2024, 2, 29)),
         (date(2024, 4, 1), date(2024, 4, 2))],
    )  # fmt: skip
    assert split_range(jan, date(2024, 3, 31), made) == ([jan, feb, mar], [])
    assert split_range(jan, date(2024, 1, 30), made) == ([], [(jan, date(2024, 1, 30))])
    assert split_range(date(2024, 1, 2), date(2024, 2, 29), made) == (
        [feb],
        [(date(2024, 1, 2), date(2024, 1, 31))],
    )
