"""GET /api/stats/media on a hand-computed dataset: plays, watch time with
overlapping segments, a seek while paused, completion and the 21-point curve."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from collector.rollup.media_plays import MediaEvent, covered_points, union
from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at, fold

D = EXAMPLE_DAY
VIDEO = {"el": "video#intro", "src": "https://www.example.nl/intro.mp4", "dur": 100.0}
clock = iter(f"10:{m:02d}:{s:02d}" for m in range(60) for s in range(0, 60, 5))


def media(visitor, t, **fields):
    return {"ts": at(D, next(clock)), "visitor": visitor, "t": t, **VIDEO, **fields}


# Visitor 1, first load: segments [0,30], seek while paused (30 -> 30, nothing
# watched), [50,60] before a rewind to 20, [20,40] (overlaps [0,30]), then
# [40,100] up to the end. Sum 120 s, capped at the duration: 100 s watched.
# Visitor 1, second load: no play. Visitor 2: [0,45], a zero-length unload
# and a media error. Visitor 3: [0,10] then a seek to 80, [80,91].
# Visitor 4: [0,92]: at least 90 %, so complete without `ended`.
EVENTS = [
    media(1, "videoLoad"),
    media(1, "play", pos=0.0),
    media(1, "pause", from_pos=0.0, pos=30.0),
    media(1, "seek", from_pos=30.0, to_pos=30.0, pos=50.0),
    media(1, "play", pos=50.0),
    media(1, "rewind", from_pos=50.0, to_pos=60.0, pos=20.0),
    media(1, "pause", from_pos=20.0, pos=40.0),
    media(1, "play", pos=40.0),
    media(1, "ended", from_pos=40.0, pos=100.0),
    media(1, "videoLoad"),
    media(2, "videoLoad"),
    media(2, "play", pos=0.0),
    media(2, "pause", from_pos=0.0, pos=45.0),
    media(2, "videoUnload", from_pos=45.0, pos=45.0),
    media(2, "error", name="MEDIA_ERR_NETWORK"),
    media(3, "videoLoad"),
    media(3, "play", pos=0.0),
    media(3, "seek", from_pos=0.0, to_pos=10.0, pos=80.0),
    media(3, "videoUnload", from_pos=80.0, pos=91.0),
    media(4, "videoLoad"),
    media(4, "play", pos=0.0),
    media(4, "videoUnload", from_pos=0.0, pos=92.0),
]


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Media")
        await add_events(conn, site, *EVENTS)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def test_media_metrics_match_the_hand_computed_numbers(get, site):
    status, body = await get("/api/stats/media", site=site["key"], **{"from": D, "to": D})
    assert status == 200
    assert body == {
        "media": [
            {
                "el": "video#intro",
                "src": "https://www.example.nl/intro.mp4",
                "loads": 5,
                "plays": 4,
                "play_rate": 0.8,
                "viewers": 4,
                "watch_time_s": 258.0,  # 100 + 45 + 21 + 92
                "avg_watch_s": 64.5,
                "completion_rate": 0.5,  # visitor 1 (ended) and 4 (92 %)
                "seeks": 2,
                "rewinds": 1,
                "errors": 1,
                # Plays covering 0 %, 5 % ... 100 % of the duration, in percent.
                "retention": [100.0] * 3 + [75.0] * 7 + [50.0] * 6 + [75.0] * 3 + [25.0] * 2,
            }
        ]
    }


async def test_viewers_and_plays_add_up_over_days(get, db, site):
    other = await add_site(db, "Media two days")
    day2 = D + timedelta(days=1)
    pause = {"from_pos": 0.0, "pos": 10.0, **VIDEO}
    await add_events(
        db,
        other,
        {"ts": at(D, "09:00"), "visitor": 7, "t": "videoLoad", **VIDEO},
        {"ts": at(D, "09:01"), "visitor": 7, "t": "play", "pos": 0.0, **VIDEO},
        {"ts": at(day2, "09:00"), "visitor": 7, "t": "videoLoad", **VIDEO},
        {"ts": at(day2, "09:01"), "visitor": 7, "t": "play", "pos": 0.0, **VIDEO},
        {"ts": at(day2, "09:02"), "visitor": 7, "t": "pause", **pause},
    )
    await fold(db, other)
    status, body = await get("/api/stats/media", site=other["key"], **{"from": D, "to": day2})
    assert status == 200
    [video] = body["media"]
    assert (video["loads"], video["plays"], video["viewers"]) == (2, 2, 2)
    assert video["watch_time_s"] == 10.0
    # The first play watched no segment: one of two plays covers 0 s to 10 s.
    assert video["retention"][:4] == [50.0, 50.0, 50.0, 0.0]


def test_union_merges_overlaps_and_clips_to_the_duration():
    assert union([(50, 60), (0, 30), (20, 40), (95, 130)], 100) == [(0, 40), (50, 60), (95, 100)]
    assert union([(30, 30)], 100) == []


def test_a_point_is_covered_only_inside_a_watched_range():
    covered = covered_points([(0, 10), (80, 91)], 100)
    assert [i for i, c in enumerate(covered) if c] == [0, 1, 2, 16, 17, 18]


def test_media_event_carries_the_row_in_column_order():
    event = MediaEvent(1, "video#a", "a.mp4", 22, 30.0, 0.0, None, 100.0)
    assert (event.from_pos, event.pos, event.dur) == (0.0, 30.0, 100.0)


def test_the_rollup_fast_path_summarizes_like_summarize():
    import random

    from collector.rollup.media_plays import EVENT_TYPES, summarize, summarize_one

    rng = random.Random(5)
    types = [EVENT_TYPES[t] for t in ("videoLoad", "play", "pause", "seek", "rewind", "ended")]
    types += [EVENT_TYPES["videoUnload"], EVENT_TYPES["error"]]

    def value():
        return rng.choice([None, 0.0, rng.random() * 120, -3.0, 200.0])

    for _ in range(500):
        events = [
            (rng.choice(types), value(), value(), value(), rng.choice([None, 0.0, 100.0, 130.5]))
            for _ in range(rng.randrange(1, 25))
        ]
        expected = summarize(MediaEvent(1, "v", "s", *e) for e in events)[("v", "s")]
        assert summarize_one(events) == expected
