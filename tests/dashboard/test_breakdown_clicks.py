"""GET /api/stats/breakdown (every dimension, daily visitors adding up, limit) and
/api/stats/clicks (1 % x 10 px heatmap cells per page, clicks per element)."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at, fold
from tests.support.named_sql import named_query

D = EXAMPLE_DAY
D1 = D + timedelta(days=1)
RANGE = {"from": D, "to": D1}
PHONE = {
    "referrer": "www.google.com/",
    "country": "NL",
    "region": "NL-NH",
    "city": "Amsterdam",
    "browser": "Chrome Mobile",
    "os": "Android",
    "device": 2,
    "screen_w": 390,
    "screen_h": 844,
    "lang": "nl",
}


def pageview(day, clock, visitor, path, **fields):
    return {"ts": at(day, clock), "visitor": visitor, "t": "pageview", "path": path, **fields}


def click(clock, path, el, x, y):
    return {"ts": at(D, clock), "visitor": 9, "t": "click", "path": path, "el": el, "x": x, "y": y}


# Visitor 7 (a phone from Google): /a twice on D and once on D1; visitor 8:
# /b on D, no referrer, nothing known about the device.
PAGEVIEWS = [
    pageview(D, "08:00", 7, "/a", **PHONE),
    pageview(D, "08:05", 7, "/a", **PHONE),
    pageview(D1, "08:00", 7, "/a", **PHONE),
    pageview(D, "09:00", 8, "/b"),
]
CLICKS = [
    click("10:00", "/tour", "button#buy", 0.423, 812),
    click("10:01", "/tour", "button#buy", 0.429, 819),
    click("10:02", "/tour", "a#home", 1.0, 5),
    click("10:03", "/other", "button#buy", 0.1, 10),
]
# Today is never made: every page together counts it from the per-page rollup.
TODAY_CLICK = {**click("00:00", "/other", "a#home", 0.1, 10), "ts": at(date.today(), "00:00")}


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Breakdown")
        await add_events(conn, site, *PAGEVIEWS, *CLICKS, TODAY_CLICK)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


EXPECTED_FIRST_KEY = {
    "page": "/a",
    "referrer": "www.google.com/",
    "country": "NL",
    "region": "NL-NH",
    "city": "Amsterdam",
    "browser": "Chrome Mobile",
    "os": "Android",
    "device": "mobile",
    "screen": "390x844",
    "language": "nl",
}


@pytest.mark.parametrize("by", list(EXPECTED_FIRST_KEY))
async def test_each_dimension_counts_daily_visitors_and_pageviews(get, site, by):
    status, body = await get("/api/stats/breakdown", site=site["key"], by=by, **RANGE)
    assert status == 200
    if by == "page":  # the rows of pageviews, from the rollup
        assert body["rows"] == [
            # Visitor 7 on two days: 1 + 1 visitors, 3 pageviews.
            {"key": "/a", "visitors": 2, "pageviews": 3, "events": 3},
            {"key": "/b", "visitors": 1, "pageviews": 1, "events": 1},
        ]
        return
    # A visit dimension groups visits: visitor 7's two (08:00-08:05 on D, a
    # bounce on D1); unknown: visitor 8's bounce and visitor 9's four clicks
    # (no pageview: not a bounce, 3 minutes).
    assert body["rows"] == [
        {
            "key": EXPECTED_FIRST_KEY[by],
            "visitors": 2,
            "pageviews": 3,
            "events": 3,
            "visits": 2,
            "bounce_rate": 0.5,
            "avg_visit_s": 150.0,
        },
        {
            "key": None,
            "visitors": 2,
            "pageviews": 1,
            "events": 5,
            "visits": 2,
            "bounce_rate": 0.5,
            "avg_visit_s": 90.0,
        },
    ]


async def test_limit_keeps_the_top_rows(get, site):
    status, body = await get("/api/stats/breakdown", site=site["key"], by="page", limit=1, **RANGE)
    assert status == 200
    assert body["rows"] == [{"key": "/a", "visitors": 2, "pageviews": 3, "events": 3}]


async def test_heatmap_of_one_page_buckets_x_to_1_percent_and_y_to_10_px(get, site):
    status, body = await get("/api/stats/clicks", site=site["key"], url="/tour", **RANGE)
    assert status == 200
    assert body == {
        "points": [{"x": 0.42, "y": 810, "n": 2}, {"x": 1.0, "y": 0, "n": 1}],
        "elements": [{"el": "button#buy", "clicks": 2}, {"el": "a#home", "clicks": 1}],
    }


async def test_a_full_url_selects_its_path(get, site):
    by_url = await get(
        "/api/stats/clicks", site=site["key"], url="https://www.example.nl/tour?x=1", **RANGE
    )
    assert by_url == await get("/api/stats/clicks", site=site["key"], url="/tour", **RANGE)


async def test_without_url_clicks_of_every_page_count(get, site):
    status, body = await get("/api/stats/clicks", site=site["key"], **RANGE)
    assert status == 200
    assert body["elements"] == [{"el": "button#buy", "clicks": 3}, {"el": "a#home", "clicks": 1}]
    assert sum(p["n"] for p in body["points"]) == 4


SITE_CELLS = (
    "SELECT day, x, y, clicks FROM rollup_day_site_clicks WHERE site_id = $1 ORDER BY 1, 2, 3"
)


async def test_every_page_together_reads_the_made_days_rows_and_counts_today(get, db, site):
    """The made day D keeps its cells of every page together (and its clicks
    per element); the answer reads them, and today from the per-page rows."""
    assert [tuple(r) for r in await db.fetch(SITE_CELLS, site["id"])] == [
        (D, 10, 10, 1),
        (D, 42, 810, 2),
        (D, 100, 0, 1),
    ]
    until_today = {"from": D, "to": date.today()}
    status, body = await get("/api/stats/clicks", site=site["key"], **until_today)
    assert status == 200
    assert body["elements"] == [{"el": "button#buy", "clicks": 3}, {"el": "a#home", "clicks": 2}]
    assert {(p["x"], p["y"]): p["n"] for p in body["points"]} == {
        (0.42, 810): 2, (0.1, 10): 2, (1.0, 0): 1,
    }  # fmt: skip
    # The same through the selection (raw events).
    filtered = await get(
        "/api/stats/clicks", site=site["key"], filter="page!=/no/such/page", **until_today
    )
    assert filtered == (200, body)
    # The kept rows are what is read: changed by hand, the answer follows.
    cells = "UPDATE rollup_day_site_clicks SET clicks = clicks + $2 WHERE site_id = $1 AND x = 42"
    elements = named_query("breakdown_clicks.shift_site_elements")
    await db.execute(cells, site["id"], 10)
    await db.execute(elements, site["id"], 10)
    try:
        status, body = await get("/api/stats/clicks", site=site["key"], **RANGE)
        assert body["points"][0] == {"x": 0.42, "y": 810, "n": 12}
        assert body["elements"][0] == {"el": "a#home", "clicks": 11}
    finally:
        await db.execute(cells, site["id"], -10)
        await db.execute(elements, site["id"], -10)
