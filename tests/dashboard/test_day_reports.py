"""Props, errors and elements read the daily report rows of closed days
(collector/rollup/day_reports.py) when unfiltered: the hand-computed numbers,
the same as through the selection, the same with a day not made yet, and
again right after a late event lands on a made day."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from collector.rollup import job as rollup
from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at, fold
from tests.support.named_sql import named_query

D = EXAMPLE_DAY
D1 = D + timedelta(days=1)
RANGE = {"from": D.isoformat(), "to": D1.isoformat()}
EVERYTHING = {"filter": "page!=/no/such/page"}  # the same events, through the selection
SHIFT_ELEMENTS = named_query("day_reports.shift_elements")


def ev(day, clock, visitor, t, path="/a", **fields):
    return {"ts": at(day, clock), "visitor": visitor, "t": t, "path": path, **fields}


EVENTS = [
    ev(D, "09:00:00", 1, "pageview"),
    ev(D, "09:00:05", 1, "custom", name="signup", props='{"plan": "pro", "n": 2}'),
    ev(D, "09:00:06", 1, "error", name="TypeError: x"),
    ev(D, "09:00:10", 1, "eleOn", el="#hero"),
    ev(D, "09:00:11", 1, "hover", el="#hero"),
    ev(D, "09:00:12", 1, "click", el="#hero", x=0.5, y=100),
    ev(D, "09:00:14", 1, "eleOff", el="#hero"),
    ev(D, "12:00:00", 2, "pageview", "/b"),
    ev(D, "12:00:01", 2, "custom", "/b", name="signup", props='{"plan": "free"}'),
    ev(D, "12:00:02", 2, "error", "/b", name="TypeError: x"),
    ev(D, "12:00:03", 2, "error", "/b", name="TypeError: x"),
    ev(D, "12:00:04", 2, "error", "/b", el="video", src="v.mp4", props='{"code": 3}'),
    ev(D1, "10:00:00", 1, "pageview"),
    ev(D1, "10:00:01", 1, "custom", name="signup", props='{"plan": "pro"}'),
    ev(D1, "10:00:02", 1, "eleOn", el="#hero"),
    ev(D1, "10:00:04", 1, "eleOff", el="#hero"),
    ev(D1, "10:00:05", 1, "error", name="TypeError: x"),
    # A video of 100 s: played, paused at 50 s, clicked at 50 s, seeked from
    # 50 s to 10 s, ended.
    ev(D1, "10:01:00", 1, "videoLoad", el="video", src="v.mp4", dur=100.0),
    ev(D1, "10:01:01", 1, "play", el="video", src="v.mp4", pos=0.0, dur=100.0),
    ev(D1, "10:01:51", 1, "pause", el="video", src="v.mp4", pos=50.0, dur=100.0),
    ev(D1, "10:01:52", 1, "click", el="video", src="v.mp4", pos=50.0, x=0.5, y=10),
    ev(D1, "10:01:53", 1, "seek", el="video", src="v.mp4", pos=10.0, to_pos=50.0, dur=100.0),
]

PROPS = [
    {"key": "n", "rows": [{"value": "2", "events": 1, "visitors": 1}]},
    {
        "key": "plan",
        "rows": [
            # Visitor 1 on D and on D1: two visitor-days.
            {"value": "pro", "events": 2, "visitors": 2},
            {"value": "free", "events": 1, "visitors": 1},
        ],
    },
]
ERRORS = [
    {"kind": "js", "message": "TypeError: x", "events": 4, "visitors": 3, "pages": ["/a", "/b"]},
    {"kind": "media", "message": "code 3", "events": 1, "visitors": 1, "pages": ["/b"]},
]
# On screen 4 s on D and 2 s on D1.
ELEMENTS = [
    {"el": "#hero", "views": 2, "visitors": 2, "avg_visible_s": 3.0, "hovers": 1, "clicks": 1},
    {"el": "video", "views": 0, "visitors": 0, "avg_visible_s": None, "hovers": 0, "clicks": 1},
]


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Day reports")
        await add_events(conn, site, *EVENTS)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def answers(get, site, **params):
    out = []
    for path, extra, key in (
        ("/api/stats/props", {"event": "signup"}, "props"),
        ("/api/stats/errors", {}, "rows"),
        ("/api/stats/elements", {}, "rows"),
    ):
        status, body = await get(path, site=site["key"], **RANGE, **extra, **params)
        assert status == 200, body
        out.append(body[key])
    return out


async def test_the_media_timeline_reads_the_day_rows_and_the_rollup(get, site):
    params = {"site": site["key"], **RANGE, "src": "v.mp4"}
    status, rolled = await get("/api/stats/media/timeline", **params)
    assert status == 200, rolled
    status, selected = await get("/api/stats/media/timeline", **params, **EVERYTHING)
    assert status == 200, selected
    assert rolled == selected
    assert rolled["duration_s"] == 100.0
    at = {b["at"]: b for b in rolled["buckets"]}
    # 50 s of 100 is point 10 (0.5); 10 s is point 2 (0.1).
    assert (at[0.5]["pauses"], at[0.5]["clicks"], at[0.5]["seeks_from"]) == (1, 1, 1)
    assert at[0.1]["seeks_to"] == 1
    assert sum(b["pauses"] + b["clicks"] + b["seeks_to"] for b in rolled["buckets"]) == 3


async def made_days(db, site):
    rows = await db.fetch(
        "SELECT day FROM rollup_day_reports WHERE site_id = $1 AND report = '*' ORDER BY day",
        site["id"],
    )
    return [r["day"] for r in rows]


async def test_closed_days_are_made_and_read(get, db, site):
    assert await made_days(db, site) == [D, D1]
    # The reports read the kept rows: changed by hand, the answer follows them.
    await db.execute(SHIFT_ELEMENTS, site["id"], 100)
    try:
        _, _, elements = await answers(get, site)
        assert elements[0]["views"] == 202
    finally:
        await db.execute(SHIFT_ELEMENTS, site["id"], -100)


async def test_unfiltered_equals_the_hand_count_and_the_selection(get, site):
    assert await answers(get, site) == [PROPS, ERRORS, ELEMENTS]
    assert await answers(get, site, **EVERYTHING) == [PROPS, ERRORS, ELEMENTS]


async def test_a_day_not_made_is_read_from_its_events(get, db, site):
    kept = await db.fetch(
        "DELETE FROM rollup_day_reports WHERE site_id = $1 AND day = $2 RETURNING *",
        site["id"],
        D1,
    )
    try:
        assert await made_days(db, site) == [D]
        assert await answers(get, site) == [PROPS, ERRORS, ELEMENTS]
        await db.execute("DELETE FROM rollup_day_reports WHERE site_id = $1", site["id"])
        assert await answers(get, site) == [PROPS, ERRORS, ELEMENTS]
    finally:
        await fold(db, site)
    assert kept and await made_days(db, site) == [D, D1]


async def test_a_late_event_on_a_made_day_counts(get, db, site):
    await add_events(db, site, ev(D, "13:00:00", 3, "error", "/c", name="Late"))
    await db.execute("UPDATE rollup_state SET watermark = '-infinity'")
    await rollup.fold_new(db)
    _, errors, _ = await answers(get, site)
    assert {"kind": "js", "message": "Late", "events": 1, "visitors": 1, "pages": ["/c"]} in errors
    assert await made_days(db, site) == [D, D1]


async def test_a_day_over_but_still_open_is_made_and_made_again_after_new_rows(get, db):
    """Two days back is still open for the rollup (its visits can merge) but
    over in the site's zone: made, and made again when it takes a row."""
    site = await add_site(db, "Open day")
    day = date.today() - timedelta(days=2)
    await add_events(
        db, site, ev(day, "09:00", 1, "pageview"), ev(day, "09:01", 1, "error", name="Early")
    )
    await db.execute("UPDATE rollup_state SET watermark = '-infinity'")
    await rollup.fold_new(db)
    assert await made_days(db, site) == [day]
    assert await visit_keys_made(db, site) == [day]
    await add_events(db, site, ev(day, "09:02", 2, "error", "/b", name="Early"))
    await rollup.fold_new(db)  # folded incrementally: forgotten, then made again
    assert await made_days(db, site) == [day]
    params = {"site": site["key"], "from": day.isoformat(), "to": day.isoformat()}
    status, body = await get("/api/stats/errors", **params)
    assert status == 200, body
    assert body["rows"][0]["events"] == 2 and body["rows"][0]["visitors"] == 2
    status, body = await get("/api/stats/breakdown", **params, by="country")
    assert status == 200, body
    assert body["rows"][0]["visitors"] == 2
    # Today is not over: made while open only (test_open_day_reports.py).
    await add_events(db, site, ev(date.today(), "00:00", 3, "pageview"))
    await rollup.fold_new(db)
    assert await made_days(db, site) == [day]


async def visit_keys_made(db, site):
    rows = await db.fetch(
        "SELECT day FROM rollup_day_visit_keys WHERE site_id = $1 AND dim = '*' ORDER BY day",
        site["id"],
    )
    return [r["day"] for r in rows]
