"""The purge and the visits (`visits`, `rollup_open_visits`, migration 0009):
one row per visit with its visitor hash, so they go with the raw events, by
the cutoff of their site, once their last event is older than it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from collector.retention.purge import purge
from tests.support.jobs_data import add_site, reset

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)
TABLES = ("visits", "rollup_open_visits")


def ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


async def run(conn: asyncpg.Connection, **options):
    options.setdefault("retention_days", 183)
    options.setdefault("actor", "test")
    return await purge(conn, now=NOW, **options)


async def clear_visits(conn: asyncpg.Connection) -> None:
    for table in TABLES:
        await conn.execute(f"TRUNCATE {table}")


@pytest.fixture
async def conn(database_url):
    conn = await asyncpg.connect(database_url)
    await reset(conn)
    await clear_visits(conn)
    yield conn
    await clear_visits(conn)
    await conn.close()


async def add_visit(
    conn: asyncpg.Connection,
    site_id: int,
    first: datetime,
    last: datetime | None = None,
    *,
    table: str = "visits",
    visitor: int = 1,
) -> None:
    """A visit from `first` to `last` (default: the same moment), its day the UTC day."""
    await conn.execute(
        f"INSERT INTO {table} (day, site_id, visitor, first_ts, last_ts, pageviews,"
        " interactions, eng) VALUES ($1, $2, $3, $4, $5, 1, 0, 0)",
        first.date(),
        site_id,
        visitor,
        first,
        last or first,
    )


async def visits_by_site(conn: asyncpg.Connection, table: str = "visits") -> dict[int, list]:
    rows = await conn.fetch(f"SELECT site_id, last_ts FROM {table} ORDER BY site_id, last_ts")
    found: dict[int, list[datetime]] = {}
    for row in rows:
        found.setdefault(row["site_id"], []).append(row["last_ts"])
    return found


async def test_visits_whose_last_event_is_older_than_the_cutoff_go(conn):
    site = await add_site(conn, "Noord")
    for age in (400, 200, 184):
        await add_visit(conn, site, ago(age))
    await add_visit(conn, site, ago(183, hours=2), ago(183, hours=1))  # ends before the cutoff
    await add_visit(conn, site, ago(183, hours=1), ago(183, hours=-1))  # ends after it
    await add_visit(conn, site, ago(10))
    # A day the rollup has not closed yet (a tiny retention, or a stuck rollup).
    await add_visit(conn, site, ago(190), table="rollup_open_visits")
    await add_visit(conn, site, ago(0), table="rollup_open_visits")

    report = await run(conn)
    assert await visits_by_site(conn) == {site: [ago(183, hours=-1), ago(10)]}
    assert await visits_by_site(conn, "rollup_open_visits") == {site: [ago(0)]}
    assert report.visits == {site: 5}
    assert report.removed_anything
    assert report.totals() == "0 partitions (0 rows) and 0 rows, and 5 visits"
    [detail] = await conn.fetch("SELECT detail FROM audit_log WHERE action = 'purge'")
    key = await conn.fetchval("SELECT key FROM sites WHERE id = $1", site)
    assert json.loads(detail["detail"])["visits_deleted"] == {key: 5}

    again = await run(conn)
    assert again.visits == {} and not again.removed_anything


async def test_a_site_with_a_shorter_retention_keeps_only_its_last_days_of_visits(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    other = await add_site(conn, "Lang")
    longer = await add_site(conn, "Langer", retention_days=400)
    ages = (200, 40, 31, 30.5, 29.5, 10, 0)
    for site in (short, other, longer):
        for age in ages:
            await add_visit(conn, site, ago(age))
        await add_visit(conn, site, ago(35), table="rollup_open_visits")
    report = await run(conn)
    assert await visits_by_site(conn) == {
        short: [ago(d) for d in ages if d < 30],
        other: [ago(d) for d in ages if d < 183],
        longer: [ago(d) for d in ages if d < 183],  # the instance's retention is the longest
    }
    assert await visits_by_site(conn, "rollup_open_visits") == {
        other: [ago(35)],
        longer: [ago(35)],
    }
    assert report.visits == {short: 5, other: 1, longer: 1}


async def test_dry_run_counts_the_visits_and_deletes_none(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    other = await add_site(conn, "Lang")
    for site in (short, other):
        for age in (200, 40, 10):
            await add_visit(conn, site, ago(age), visitor=1)
            await add_visit(conn, site, ago(age), visitor=2)
        await add_visit(conn, site, ago(190), table="rollup_open_visits")
    before = {table: await visits_by_site(conn, table) for table in TABLES}

    dry = await run(conn, dry_run=True)
    assert {table: await visits_by_site(conn, table) for table in TABLES} == before
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == 0
    # Counted once each, though the short site's oldest fall under both cutoffs.
    assert dry.visits == {short: 5, other: 3}
    assert dry.totals().endswith(", and 8 visits")

    real = await run(conn)
    assert real.visits == dry.visits


async def test_visits_go_in_small_batches_and_none_is_missed(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    other = await add_site(conn, "Lang")
    for visitor in range(10):
        for site in (short, other):
            await add_visit(conn, site, ago(200), visitor=visitor)
            await add_visit(conn, site, ago(40), visitor=visitor)
    await add_visit(conn, short, ago(1))
    messages: list[str] = []
    report = await run(conn, batch_rows=3, progress=messages.append)
    assert report.visits == {short: 20, other: 10}
    assert await visits_by_site(conn) == {short: [ago(1)], other: [ago(40)] * 10}
    assert "deleting old visits of every site in visits: 20" in messages
    key = await conn.fetchval("SELECT key FROM sites WHERE id = $1", short)
    assert f"deleting old visits of site {key} in visits: 10" in messages
