"""GET /api/stats/realtime reads the newest raw events directly, before any rollup."""

from __future__ import annotations

from datetime import timedelta

from tests.support.dashboard_data import add_events, add_site


async def test_realtime_counts_the_last_5_and_30_minutes(get, db):
    site = await add_site(db, "Realtime")
    now = await db.fetchval("SELECT now()")

    def view(minutes_ago, visitor, path):
        ts = now - timedelta(minutes=minutes_ago)
        return {"ts": ts, "visitor": visitor, "t": "pageview", "path": path}

    await add_events(
        db,
        site,
        view(2, 1, "/a"),
        view(3, 2, "/a"),
        {**view(4, 2, "/a"), "t": "click"},
        view(10, 3, "/b"),
        view(40, 4, "/c"),
    )
    status, body = await get("/api/stats/realtime", site=site["key"])
    assert status == 200
    series = body.pop("series")
    # Per minute, the last 30 minutes: the pageviews 2, 3 and 10 minutes ago.
    assert len(series) == 30
    assert sum(m["pageviews"] for m in series) == 3
    assert sum(m["visitors"] for m in series) == 4  # visitor 2 in two minutes (a click)
    assert [m["minute"] for m in series] == sorted(m["minute"] for m in series)
    assert body == {
        "visitors_5m": 2,
        "pageviews_30m": 3,
        "top_pages": [
            {"page": "/a", "visitors": 2, "pageviews": 2},
            {"page": "/b", "visitors": 1, "pageviews": 1},
        ],
    }
