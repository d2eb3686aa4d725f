"""The rollup job: folds the rows committed since the last run, exactly once
(across a crash half-way and transactions still open during a run),
idempotent, late events counted, the same numbers as a rebuild from raw
events, aggregates kept after a purge."""

from __future__ import annotations

import random
from datetime import timedelta

import asyncpg
import pytest

from collector.db.connect import create_pool
from collector.jobs.scheduler import standard_jobs
from collector.rollup import job as rollup
from collector.rollup.fold import ROLLUP_TABLES
from collector.rollup.open_days import OPEN_STATE_TABLES
from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at
from tests.support.named_sql import named_query

D = EXAMPLE_DAY


def visit(day, visitor, path="/"):
    return [
        {"ts": at(day, "10:00"), "visitor": visitor, "t": "pageview", "path": path},
        {"ts": at(day, "10:01"), "visitor": visitor, "t": "click", "path": path, "x": 0.1, "y": 1},
        {"ts": at(day, "10:02"), "visitor": visitor, "t": "videoLoad", "el": "video", "dur": 9.0},
    ]


async def snapshot(conn: asyncpg.Connection, with_state: bool = False) -> dict[str, list]:
    """Every rollup row (without the fold time), in a stable order; `with_state`:
    the open days' working state too."""
    out = {}
    # The visits with every attribute, open and closed days together.
    tables = (*ROLLUP_TABLES, "all_visits")
    if with_state:
        tables += ("rollup_open_days", *OPEN_STATE_TABLES)
    for table in tables:
        rows = await conn.fetch(f"SELECT * FROM {table}")
        out[table] = sorted(tuple(v for k, v in r.items() if k not in when(r)) for r in rows)
    return out


def when(row: asyncpg.Record) -> tuple[str, ...]:
    """The columns of a rollup row that say when it was made, not what it holds:
    the fold time, and a '~' report row's make time and duration."""
    if row.get("report") == "~":
        return ("folded_at", "seconds", "shown")
    return ("folded_at",)


async def forget_watermark(conn: asyncpg.Connection) -> None:
    """As on a fresh install: the next run folds every day with raw events."""
    await conn.execute("UPDATE rollup_state SET watermark = '-infinity', snapshot = NULL")


@pytest.fixture
async def sites(db):
    for table in (*ROLLUP_TABLES, "rollup_open_days", *OPEN_STATE_TABLES, "visits"):
        await db.execute(f"DELETE FROM {table}")
    await db.execute("DELETE FROM events")
    one, two = await add_site(db, "Rollup one"), await add_site(db, "Rollup two", "Asia/Tokyo")
    for day in (D, D + timedelta(days=1), D + timedelta(days=3)):
        await add_events(db, one, *visit(day, 1), *visit(day, 2, "/b"))
        await add_events(db, two, *visit(day, 3))
    await forget_watermark(db)
    return one, two


async def test_serve_runs_the_rollup_job():
    assert "rollup" in [job.name for job in standard_jobs()]


async def test_folding_twice_gives_the_same_aggregates(db, sites):
    first = await rollup.fold_new(db)
    once = await snapshot(db)
    await forget_watermark(db)
    await rollup.fold_new(db)
    assert await snapshot(db) == once
    assert first.events == 27
    assert sum(len(rows) for rows in once.values()) > 0
    days = await db.fetch("SELECT pageviews, visitors FROM rollup_days ORDER BY site_id, day")
    assert [tuple(d) for d in days] == [(2, 2)] * 3 + [(1, 1)] * 3


async def test_new_events_are_folded_by_the_next_run_only_for_their_day(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, one, {"ts": now, "visitor": 5, "t": "pageview", "path": "/new"})
    report = await rollup.fold_new(db)
    today = now.date()  # site one is in UTC
    assert report.folded == [(one["id"], today)]
    assert (
        await db.fetchval(
            "SELECT pageviews FROM rollup_days WHERE site_id = $1 AND day = $2", one["id"], today
        )
        == 1
    )
    # Nothing new: nothing folded, nothing changes.
    before = await snapshot(db, with_state=True)
    assert (await rollup.fold_new(db)).folded == []
    assert await snapshot(db, with_state=True) == before
    assert await db.fetchval("SELECT sum(pageviews) FROM rollup_days") == 10


async def test_an_incremental_run_reads_only_the_new_rows(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, one, {"ts": now, "visitor": 5, "t": "pageview"})
    assert (await rollup.fold_new(db)).rebuilt == [(one["id"], now.date())]  # opened: 1 row
    for n in (3, 1, 4):
        await add_events(db, one, *({"ts": now, "visitor": 5, "t": "pageview"} for _ in range(n)))
        report = await rollup.fold_new(db)
        assert (report.events, report.rebuilt) == (n, [])
    day = await db.fetchrow(
        "SELECT pageviews, visitors, visits FROM rollup_days WHERE site_id = $1 AND day = $2",
        one["id"],
        now.date(),
    )
    assert tuple(day) == (9, 1, 1)


async def test_events_arriving_long_after_their_time_are_counted_by_the_next_run(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    # A closed day (ten days back) that still has all its raw rows: rebuilt exactly.
    late = {"ts": at(D, "10:30"), "visitor": 1, "t": "pageview", "path": "/late"}
    await add_events(db, one, late)
    report = await rollup.fold_new(db)
    assert report.rebuilt == [(one["id"], D)]
    row = await db.fetchrow(
        "SELECT events, pageviews, visitors, visits FROM rollup_days WHERE site_id = $1"
        " AND day = $2",
        one["id"],
        D,
    )
    assert tuple(row) == (7, 3, 2, 2)  # visitor 1 was already counted, same visit
    # Two days back (a spool replayed after an outage): counted too.
    two_days_ago = await db.fetchval("SELECT now() - interval '2 days'")
    await add_events(db, one, {"ts": two_days_ago, "visitor": 6, "t": "pageview"})
    assert (await rollup.fold_new(db)).folded == [(one["id"], two_days_ago.date())]
    assert await db.fetchval("SELECT sum(pageviews) FROM rollup_days") == 11


async def test_late_rows_for_a_day_partly_purged_are_added_to_its_aggregates(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    await db.execute("DELETE FROM events WHERE site_id = $1 AND visitor = 2", one["id"])
    await add_events(db, one, {"ts": at(D, "23:00"), "visitor": 7, "t": "pageview"})
    report = await rollup.fold_new(db)
    assert (report.folded, report.rebuilt) == ([(one["id"], D)], [])
    row = await db.fetchrow(
        "SELECT events, pageviews, visitors, visits FROM rollup_days WHERE site_id = $1"
        " AND day = $2",
        one["id"],
        D,
    )
    assert tuple(row) == (7, 3, 3, 3)  # the purged visitor 2 is still counted


async def test_a_run_that_dies_half_way_changes_nothing_and_the_next_counts_once(
    db, sites, database_url
):
    one, two = sites
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, one, *visit(now.date(), 8))
    await rollup.fold_new(db)  # today is open now
    await add_events(db, one, *visit(now.date(), 9, "/c"))
    await add_events(db, two, {"ts": now, "visitor": 9, "t": "pageview"})
    before = await snapshot(db, with_state=True)

    async def crash(site_id, day):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        await rollup.fold_new(db, after_day=crash)
    assert await snapshot(db, with_state=True) == before
    # A restart: another connection, as a new process would have.
    other = await asyncpg.connect(database_url)
    try:
        report = await rollup.fold_new(other)
    finally:
        await other.close()
    assert report.events == 4
    assert (await rollup.fold_new(db)).events == 0
    incremental = await snapshot(db)
    await forget_watermark(db)
    await rollup.fold_new(db)
    assert await snapshot(db) == incremental


async def test_rows_of_a_transaction_open_during_a_run_are_folded_once_by_the_next(
    db, sites, database_url
):
    one, _ = sites
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, one, {"ts": now, "visitor": 5, "t": "pageview"})
    await rollup.fold_new(db)
    writer = await asyncpg.connect(database_url)
    try:
        slow = writer.transaction()
        await slow.start()
        # Inserted before the next run starts, committed after its snapshot.
        await writer.execute(
            "INSERT INTO events (ts, visitor, site_id, type) VALUES ($1, 6, $2, 1)", now, one["id"]
        )
        await db.execute(
            "INSERT INTO events (ts, visitor, site_id, type) VALUES ($1, 7, $2, 1)", now, one["id"]
        )
        assert (await rollup.fold_new(db)).events == 1
        await slow.commit()
    finally:
        await writer.close()
    assert (await rollup.fold_new(db)).events == 1
    assert (await rollup.fold_new(db)).events == 0
    day = await db.fetchrow(
        "SELECT pageviews, visitors FROM rollup_days WHERE site_id = $1 AND day = $2",
        one["id"],
        now.date(),
    )
    assert tuple(day) == (3, 3)


def mixed_events(day, rng):
    """Visits, clicks and media of a few visitors on `day`, in random order."""
    events = []
    for visitor in range(1, 7):
        for start in ("08:00", "08:20", "09:10", "09:39"):
            base = {
                "visitor": visitor,
                "path": rng.choice(["/", "/a", "/b"]),
                "country": rng.choice(["NL", "BE", None]),
                "referrer": rng.choice(["t.co/", None]),
                "query": rng.choice(["utm_source=news", "utm_source=a+b&utm_medium=%65", None]),
                "screen_w": rng.choice([390, 1440]),
                "screen_h": 800,
            }
            t = at(day, start) + timedelta(seconds=rng.randrange(60))
            events.append({**base, "ts": t, "t": "pageview"})
            if rng.random() < 0.5:
                click = {"el": "a#x", "x": rng.random(), "y": rng.randrange(900)}
                events.append({**base, **click, "ts": t + timedelta(seconds=5), "t": "click"})
            if rng.random() < 0.6:
                media = {**base, "el": "video#v", "src": "v.mp4", "dur": 100.0}
                watched = {"from_pos": 0.0, "pos": float(rng.randrange(10, 100))}
                events += [
                    {**media, "ts": t + timedelta(seconds=6), "t": "videoLoad", "pos": 0.0},
                    {**media, "ts": t + timedelta(seconds=7), "t": "play", "pos": 0.0},
                    {**media, **watched, "ts": t + timedelta(seconds=40), "t": "pause"},
                ]
            leave = {"eng": rng.randrange(1000, 90000), "depth": 50}
            events.append({**base, **leave, "ts": t + timedelta(seconds=50), "t": "pageleave"})
    rng.shuffle(events)
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_incremental_runs_give_the_numbers_of_a_rebuild(db, sites, seed):
    one, two = sites
    rng = random.Random(seed)
    await rollup.fold_new(db)
    today = (await db.fetchval("SELECT now()")).date()
    events = mixed_events(today, rng)
    # Small batches in random order: late events split media sessions, bridge
    # visits, bring keys of visitors already seen.
    while events:
        size = rng.randrange(1, 12)
        batch, events = events[:size], events[size:]
        await add_events(db, one, *batch)
        await add_events(db, two, *batch[:2])
        await rollup.fold_new(db)
    incremental = await snapshot(db)
    await forget_watermark(db)
    await rollup.fold_new(db)
    assert await snapshot(db) == incremental
    day = await db.fetchrow(
        "SELECT visitors, visits FROM rollup_days WHERE site_id = $1 AND day = $2",
        one["id"],
        today,
    )
    # Per visitor: 08:00 and 08:20 one visit, 09:10 and 09:39 another.
    assert tuple(day) == (6, 12)


async def test_a_visit_is_split_and_bridged_as_events_arrive(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    today = (await db.fetchval("SELECT now()")).date()

    async def visits_after(clock):
        await add_events(db, one, {"ts": at(today, clock), "visitor": 42, "t": "pageview"})
        await rollup.fold_new(db)
        return await db.fetchval(
            "SELECT visits FROM rollup_days WHERE site_id = $1 AND day = $2", one["id"], today
        )

    assert await visits_after("01:00") == 1
    assert await visits_after("01:40") == 2  # a 40-minute gap
    assert await visits_after("01:30") == 2  # 01:00 | 01:30 01:40
    assert await visits_after("01:15") == 1  # bridged: every gap under 30 minutes
    assert await visits_after("02:10") == 2  # exactly 30 minutes: a new visit


async def test_a_visit_keeps_its_first_event_and_pages_by_time_then_seq(db, sites):
    """A run gathers a visitor's events per 30-minute slot of the clock
    before merging: the visit still takes the attributes of its earliest
    event by (ts, seq) and the pages of its first and last pageview, across
    a slot's edge, with equal times and with late events in a later run."""
    one, _ = sites
    await rollup.fold_new(db)
    today = (await db.fetchval("SELECT now()")).date()

    def event(clock, seq, t="pageview", **more):
        return {"ts": at(today, clock), "seq": seq, "visitor": 77, "t": t, **more}

    await add_events(
        db,
        one,
        event("03:29:59.5", 7, path="/second", referrer="https://late.example/"),
        event("03:30:00.000001", 0, "custom", name="signup"),  # the next slot
        event("03:45", 1, path="/last"),
    )
    await rollup.fold_new(db)
    await add_events(
        db,
        one,
        event("03:29:59.5", 3, path="/first", referrer="https://first.example/"),
        event("03:45", 0, path="/before-last"),
    )
    await rollup.fold_new(db)
    query = named_query("rollup.visit_of_77")
    visits = [tuple(r) for r in await db.fetch(query, one["id"])]
    first = at(today, "03:29:59.5")
    assert visits == [(first, 3, "https://first.example/", "/first", "/last", 5, 4)]
    await forget_watermark(db)
    await rollup.fold_new(db)  # a rebuild: every event in one run
    assert [tuple(r) for r in await db.fetch(query, one["id"])] == visits


async def test_running_twice_gives_identical_tables(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, one, *mixed_events(now.date(), random.Random(9)))
    await rollup.fold_new(db)
    once = await snapshot(db, with_state=True)
    await rollup.fold_new(db)
    assert await snapshot(db, with_state=True) == once


async def test_closed_days_lose_their_state(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, one, *visit(now.date(), 3))
    await rollup.fold_new(db)
    assert await db.fetchval("SELECT count(*) FROM rollup_open_seen") > 0
    # Ten days back was rebuilt by the first run: it keeps no state.
    old = await db.fetchval(
        "SELECT count(*) FROM rollup_open_seen WHERE day < $1", now.date() - timedelta(days=2)
    )
    assert old == 0
    visits = await db.fetch("SELECT * FROM rollup_open_visits ORDER BY visitor, first_ts")
    for table in ("rollup_open_days", *OPEN_STATE_TABLES):
        await db.execute(f"UPDATE {table} SET day = day - 5")
    report = await rollup.fold_new(db)
    closed = now.date() - timedelta(days=2)
    for table in ("rollup_open_days", *OPEN_STATE_TABLES):
        assert await db.fetchval(f"SELECT count(*) FROM {table} WHERE day < $1", closed) == 0
    # ... but not their visits: those moved to `visits`, unchanged.
    moved = await db.fetch(
        "SELECT * FROM visits WHERE day = $1 AND first_ts > $2 ORDER BY visitor, first_ts",
        now.date() - timedelta(days=5),
        now - timedelta(days=1),
    )
    # (`visits` adds the decoded UTM parameters after the columns it shares.)
    assert [{k: v[k] for k in dict(visits[0])} | {"day": None} for v in moved] == [
        {**v, "day": None} for v in visits
    ]
    # (Today lost its state to the shift, as in a crash: rebuilt, visits again.)
    assert report.rebuilt == [(one["id"], now.date())]


async def test_aggregates_outlive_purged_raw_events(db, sites):
    one, _ = sites
    await rollup.fold_new(db)
    before = await snapshot(db)
    await db.execute("DELETE FROM events WHERE site_id = $1", one["id"])
    await forget_watermark(db)
    await rollup.fold_new(db)
    assert await snapshot(db) == before


async def test_the_job_function_runs_on_a_pool(database_url, db, sites):
    pool = await create_pool(database_url)
    try:
        await rollup.run(pool)
    finally:
        await pool.close()
    assert await db.fetchval("SELECT count(*) FROM rollup_days") == 6
    assert await db.fetchval("SELECT watermark > now() - interval '1 minute' FROM rollup_state")


async def test_working_state_is_unlogged_and_a_state_lost_in_a_crash_rebuilds_the_day(db, sites):
    """PostgreSQL empties unlogged tables when it recovers from a crash: the
    next row for an open day then rebuilds it from its raw rows, exactly."""
    one, _ = sites
    persistence = await db.fetch(
        "SELECT relname, relpersistence::text FROM pg_class WHERE relname = ANY($1::text[])",
        ["rollup_open_days", *OPEN_STATE_TABLES],
    )
    # All but the open visits, which the reports read (also on a standby).
    assert {r["relname"]: r["relpersistence"] for r in persistence} == {
        "rollup_open_days": "u",
        "rollup_open_seen": "u",
        "rollup_open_media": "u",
        "rollup_open_visits": "p",
    }
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    events = mixed_events(now.date(), random.Random(4))
    await add_events(db, one, *events[:40])
    await rollup.fold_new(db)  # today is open, with state
    await add_events(db, one, *events[40:60])
    await rollup.fold_new(db)
    # The crash: the aggregates and the snapshot survive, the state is gone,
    # the open days' visits with it: the next run rebuilds those days, with or
    # without new rows.
    visits = await db.fetchval("SELECT count(*) FROM all_visits")
    await db.execute(f"TRUNCATE rollup_open_days, {', '.join(OPEN_STATE_TABLES)}")
    assert (await rollup.fold_new(db)).rebuilt == [(one["id"], now.date())]
    assert await db.fetchval("SELECT count(*) FROM all_visits") == visits
    assert (await rollup.fold_new(db)).rebuilt == []
    await add_events(db, one, *events[60:])
    report = await rollup.fold_new(db)
    assert report.folded == [(one["id"], now.date())]
    after = await snapshot(db, with_state=True)
    await forget_watermark(db)
    await rollup.fold_new(db)
    assert await snapshot(db, with_state=True) == after


async def test_an_idle_run_makes_no_temp_table_and_still_moves_on(db, sites, monkeypatch):
    await rollup.fold_new(db)
    now = await db.fetchval("SELECT now()")
    await add_events(db, sites[0], {"ts": now, "visitor": 5, "t": "pageview"})
    await rollup.fold_new(db)
    before = await db.fetchrow("SELECT snapshot::text, watermark FROM rollup_state")

    async def no_temp_tables(conn):
        raise AssertionError("an idle run made its temp tables")

    monkeypatch.setattr(rollup.input_rows, "prepare_fold", no_temp_tables)
    assert (await rollup.fold_new(db)).events == 0
    after = await db.fetchrow("SELECT snapshot::text, watermark FROM rollup_state")
    assert after["watermark"] > before["watermark"]


async def test_a_run_sets_its_memory_and_plan_settings_for_its_transaction(db, sites, database_url):
    seen = {}

    async def settings(site_id, day):
        for name in ("work_mem", "plan_cache_mode", "synchronous_commit", "temp_buffers"):
            seen[name] = await conn.fetchval(f"SHOW {name}")

    conn = await asyncpg.connect(database_url)  # a new session: no temp table yet
    try:
        outside = await conn.fetchval("SHOW work_mem")
        await rollup.fold_new(conn, after_day=settings)
        assert seen == {
            "work_mem": rollup.WORK_MEM,
            "plan_cache_mode": "force_custom_plan",
            "synchronous_commit": "off",
            "temp_buffers": rollup.TEMP_BUFFERS,
        }
        # SET LOCAL: gone with the run's transaction; temp_buffers stays for the session.
        assert await conn.fetchval("SHOW work_mem") == outside
        assert await conn.fetchval("SHOW synchronous_commit") == "on"
        assert await conn.fetchval("SHOW temp_buffers") == rollup.TEMP_BUFFERS
        await rollup.fold_new(conn)  # temp tables made: temp_buffers is not set again
    finally:
        await conn.close()
