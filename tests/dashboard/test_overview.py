"""GET /api/stats/overview on a hand-computed dataset: visits (30-minute gap),
bounces, visit duration, a visitor crossing midnight, and days cut in two time zones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at, fold

D = EXAMPLE_DAY
D1 = D + timedelta(days=1)
AMS = "Europe/Amsterdam"


def ev(day, clock, visitor, t, **fields):
    return {"ts": at(day, clock, AMS), "visitor": visitor, "t": t, **fields}


# Hand-computed (README, "Dashboard API"):
# day D : v1 visit 10:00-10:06 (2 pageviews, 360 s); v1 11:00 (bounce, 20 s);
#         v2 12:00 pageview + click (40 s); v3 23:50-23:55 (bounce, 300 s).
# day D1: v3 00:10-00:12 (bounce, 120 s: a new visit after local midnight);
#         v4 09:00, 09:29:59, 09:59:58 (gaps under 30 min: one visit, 3598 s);
#         v5 14:00 and 14:30 (a gap of exactly 30 min: two bounces, 0 s each).
EVENTS = [
    ev(D, "10:00", 1, "pageview", path="/a"),
    ev(D, "10:00:30", 1, "pageleave", path="/a", eng=25_000, depth=40),
    ev(D, "10:05", 1, "pageview", path="/b"),
    ev(D, "10:06", 1, "pageleave", path="/b", eng=50_000),
    ev(D, "11:00", 1, "pageview", path="/a"),
    ev(D, "11:00:20", 1, "pageleave", path="/a", eng=20_000),
    ev(D, "12:00", 2, "pageview", path="/a"),
    ev(D, "12:00:10", 2, "click", path="/a", el="button#buy", x=0.5, y=100),
    ev(D, "12:00:40", 2, "pageleave", path="/a", eng=40_000),
    ev(D, "23:50", 3, "pageview", path="/a"),
    ev(D, "23:55", 3, "pageleave", path="/a", eng=300_000),
    ev(D1, "00:10", 3, "pageview", path="/b"),
    ev(D1, "00:12", 3, "pageleave", path="/b", eng=120_000),
    ev(D1, "09:00", 4, "pageview", path="/a"),
    ev(D1, "09:29:59", 4, "pageview", path="/b"),
    ev(D1, "09:59:58", 4, "custom", path="/b", name="signup"),
    ev(D1, "14:00", 5, "pageview", path="/a"),
    ev(D1, "14:30", 5, "pageview", path="/a"),
]


@pytest.fixture(scope="module")
async def site(database_url):
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Overview", AMS)
        await add_events(conn, site, *EVENTS)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def test_overview_of_two_days_matches_the_hand_computed_numbers(get, site):
    status, body = await get("/api/stats/overview", site=site["key"], **{"from": D, "to": D1})
    assert status == 200
    assert body == {
        "pageviews": 10,
        "visitors": 6,  # 3 on D + 3 on D1: daily distinct visitors add up
        "visits": 8,
        "bounce_rate": 0.625,  # 5 of 8
        "avg_visit_s": 554.8,  # (720 + 3718) / 8 = 554.75
        "events": {"pageview": 10, "pageleave": 6, "click": 1, "custom": 1},
        "series": [
            {
                "start": D.isoformat(),
                "date": D.isoformat(),
                "pageviews": 5,
                "visitors": 3,
                "visits": 4,
            },
            {
                "start": D1.isoformat(),
                "date": D1.isoformat(),
                "pageviews": 5,
                "visitors": 3,
                "visits": 4,
            },
        ],
    }


async def test_one_day_counts_only_that_local_day(get, site):
    status, body = await get("/api/stats/overview", site=site["key"], **{"from": D1, "to": D1})
    assert status == 200
    assert (body["pageviews"], body["visitors"], body["visits"]) == (5, 3, 4)
    assert body["bounce_rate"] == 0.75
    assert body["avg_visit_s"] == 929.5  # 3718 / 4


async def test_days_without_data_are_zero_in_the_series(get, site):
    before = D - timedelta(days=1)
    status, body = await get("/api/stats/overview", site=site["key"], **{"from": before, "to": D})
    assert status == 200
    assert body["series"][0] == {
        "start": before.isoformat(),
        "date": before.isoformat(),
        "pageviews": 0,
        "visitors": 0,
        "visits": 0,
    }
    assert body["visits"] == 4


async def test_the_same_events_fall_on_different_days_in_two_time_zones(get, db):
    # 03:00 UTC is still the evening before in New York (UTC-5 or UTC-4).
    events = [
        {"ts": at(D, "03:00"), "visitor": 1, "t": "pageview", "path": "/"},
        {"ts": at(D, "12:00"), "visitor": 2, "t": "pageview", "path": "/"},
    ]
    utc, new_york = await add_site(db, "In UTC"), await add_site(db, "In NY", "America/New_York")
    for site in (utc, new_york):
        await add_events(db, site, *events)
        await fold(db, site)
    one_day = {"from": D, "to": D}
    eve = {"from": D - timedelta(days=1), "to": D - timedelta(days=1)}
    assert (await get("/api/stats/overview", site=utc["key"], **one_day))[1]["pageviews"] == 2
    assert (await get("/api/stats/overview", site=new_york["key"], **one_day))[1]["pageviews"] == 1
    assert (await get("/api/stats/overview", site=new_york["key"], **eve))[1]["pageviews"] == 1
    assert (await get("/api/stats/overview", site=utc["key"], **eve))[1]["pageviews"] == 0
