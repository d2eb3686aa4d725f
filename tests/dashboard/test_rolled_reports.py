"""Reports that read the daily rollup when unfiltered (events, goals without a
wildcard, host/event/media breakdowns, visit dimensions of closed days) give
the hand-computed numbers, and the same as through the selection (a filter
that keeps everything)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at, fold

D = EXAMPLE_DAY
D1 = D + timedelta(days=1)
RANGE = {"from": D.isoformat(), "to": D1.isoformat()}
# Keeps every event and every visit, but sends the request through the selection.
EVERYTHING = {"filter": "page!=/no/such/page"}


def ev(day, clock, visitor, t, path="/", **fields):
    return {"ts": at(day, clock), "visitor": visitor, "t": t, "path": path, **fields}


EVENTS = [
    ev(D, "09:00", 1, "pageview", "/pricing", host="www.example.nl"),
    ev(D, "09:01", 1, "custom", "/pricing", name="signup", props='{"plan": "pro"}'),
    ev(D, "09:02", 1, "custom", "/pricing", name="signup", props='{"plan": "pro"}'),
    ev(D, "09:03", 2, "pageview", "/thanks", host="shop.example.nl"),
    ev(D, "09:04", 2, "play", "/thanks", el="video", src="v.mp4", pos=0.0, dur=10.0),
    ev(D1, "10:00", 1, "pageview", "/thanks", host="www.example.nl"),
    ev(D1, "10:01", 1, "custom", "/thanks", name="signup"),
    ev(D1, "10:02", 3, "pageview", "/", host="www.example.nl", country="NL"),
]


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Rolled reports")
        await add_events(conn, site, *EVENTS)
        await conn.executemany(
            "INSERT INTO goals (site_id, name, kind, match) VALUES ($1, $2, $3, $4)",
            [
                (site["id"], "Signed up", "event", "signup"),
                (site["id"], "Thanks", "page", "/thanks"),
            ],
        )
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def both(get, path, site, **params):
    """The unfiltered answer and the answer through the selection."""
    status, rolled = await get(path, site=site["key"], **RANGE, **params)
    assert status == 200, rolled
    status, selected = await get(path, site=site["key"], **RANGE, **params, **EVERYTHING)
    assert status == 200, selected
    return rolled, selected


async def test_events_and_their_conversion(get, site):
    rolled, selected = await both(get, "/api/stats/events", site)
    # Visitors: 2 on D (1, 2) + 2 on D1 (1, 3); signup: visitor 1 on both days.
    assert rolled["rows"] == [
        {"name": "signup", "events": 3, "visitors": 2, "conversion_rate": 0.5}
    ]
    assert selected == rolled


async def test_goals_without_a_wildcard(get, site):
    rolled, selected = await both(get, "/api/stats/goals", site)
    assert rolled["goals"] == [
        {"name": "Signed up", "kind": "event", "visitors": 2, "events": 3, "conversion_rate": 0.5},
        {"name": "Thanks", "kind": "page", "visitors": 2, "events": 2, "conversion_rate": 0.5},
    ]
    assert selected == rolled


@pytest.mark.parametrize("by", ["host", "event", "media", "entry_page", "country", "page"])
async def test_breakdowns_read_the_same_from_the_rollup(get, site, by):
    rolled, selected = await both(get, "/api/stats/breakdown", site, by=by)
    assert rolled["rows"] == selected["rows"]
    assert rolled["rows"]


async def test_hosts_count_pageviews_and_events_media_plays(get, site):
    _, hosts = await get("/api/stats/breakdown", site=site["key"], by="host", **RANGE)
    assert hosts["rows"] == [
        {"key": "www.example.nl", "visitors": 3, "pageviews": 3, "events": 3},
        {"key": "shop.example.nl", "visitors": 1, "pageviews": 1, "events": 1},
    ]
    _, media = await get("/api/stats/breakdown", site=site["key"], by="media", **RANGE)
    assert media["rows"] == [{"key": "v.mp4", "visitors": 1, "pageviews": 0, "events": 1}]
