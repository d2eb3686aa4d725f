"""The purge on a real PostgreSQL with an injected clock: which days and rows
go, dry runs, shorter site retention, repeat runs, late events, the audit
row, concurrent purges, interrupted purges and tables that are not events."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from collector.db.partitions import (
    DAYS_AHEAD,
    EXPIRED_MARK,
    list_partitions,
    partition_name,
    pending_detach,
)
from collector.retention.purge import PURGE_LOCK_KEY, PurgeBusy, purge
from tests.support.jobs_data import add_events, add_site, events_by_site, reset
from tests.support.rows import row
from tests.support.spooling import spooled_writer, submit

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)
AGES = (200, 150, 100, 10, 0)  # days before NOW


def ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


async def run(conn: asyncpg.Connection, now: datetime = NOW, **options):
    options.setdefault("retention_days", 183)
    options.setdefault("actor", "test")
    return await purge(conn, now=now, **options)


@pytest.fixture
async def conn(database_url):
    conn = await asyncpg.connect(database_url)
    await reset(conn)
    yield conn
    await conn.close()


async def test_purge_keeps_exactly_the_days_within_the_retention(conn):
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [ago(days) for days in AGES])
    report = await run(conn)
    assert await events_by_site(conn) == {site: [ago(d) for d in AGES if d < 183]}
    assert report.dropped == {partition_name(ago(200).date()): 1}
    assert ago(200).date() not in await list_partitions(conn)
    assert report.plan.cutoff == ago(183)


async def test_partition_across_the_cutoff_is_kept_without_its_older_hours(conn):
    # NOW is 12:00, so the cutoff falls at 12:00 on the day 183 days back.
    site = await add_site(conn, "Noord")
    moments = [ago(184), ago(183, hours=1), ago(183, hours=-1), ago(182)]
    await add_events(conn, site, moments)
    report = await run(conn)
    assert ago(183).date() in await list_partitions(conn)
    assert ago(184).date() not in await list_partitions(conn)
    assert await events_by_site(conn) == {site: [ago(183, hours=-1), ago(182)]}
    assert report.dropped == {partition_name(ago(184).date()): 1}
    assert report.deleted == {site: 1}


async def test_dry_run_changes_nothing_and_reports_what_the_run_does(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    other = await add_site(conn, "Lang")
    for site in (short, other):
        await add_events(conn, site, [ago(d) for d in (*AGES, 40)], per_moment=3)
    before = (await list_partitions(conn), await events_by_site(conn))

    dry = await run(conn, dry_run=True)
    assert (await list_partitions(conn), await events_by_site(conn)) == before
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == 0
    assert dry.created == [partition_name(NOW.date() + timedelta(days=n)) for n in (1, 2, 3)]

    real = await run(conn)
    assert (dry.dropped, dry.deleted) == (real.dropped, real.deleted)
    assert real.deleted == {short: 3 * 3}  # 150, 100 and 40 days old
    assert dry.created == real.created


async def test_site_with_shorter_retention_keeps_only_its_last_days(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    other = await add_site(conn, "Lang")
    ages = (200, 150, 100, 40, 31, 30.5, 29.5, 10, 0)
    for site in (short, other):
        await add_events(conn, site, [ago(d) for d in ages])
    report = await run(conn)
    assert await events_by_site(conn) == {
        short: [ago(d) for d in ages if d < 30],
        other: [ago(d) for d in ages if d < 183],
    }
    assert report.deleted == {short: 5}  # 150, 100, 40, 31 and 30.5 days old
    assert set(report.plan.site_cutoffs) == {short}


async def test_site_retention_longer_than_the_instance_changes_nothing(conn):
    site = await add_site(conn, "Lang", retention_days=365)
    await add_events(conn, site, [ago(d) for d in AGES])
    report = await run(conn)
    assert report.plan.site_cutoffs == {}
    assert await events_by_site(conn) == {site: [ago(d) for d in AGES if d < 183]}


async def test_deletes_go_in_small_batches_and_miss_no_row(conn):
    # 50 rows on 5 equal timestamps: batch edges fall between equal ts values.
    short = await add_site(conn, "Kort", retention_days=30)
    await add_events(conn, short, [ago(40, hours=h) for h in range(5)], per_moment=10)
    await add_events(conn, short, [ago(1)])
    report = await run(conn, batch_rows=7)
    assert report.deleted == {short: 50}
    assert await events_by_site(conn) == {short: [ago(1)]}


async def test_second_purge_is_a_no_op(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    await add_events(conn, short, [ago(d) for d in AGES])
    first = await run(conn)
    assert first.removed_anything
    after_first = (await list_partitions(conn), await events_by_site(conn))
    second = await run(conn)
    assert not second.removed_anything
    assert second.created == []
    assert (await list_partitions(conn), await events_by_site(conn)) == after_first


async def test_purge_creates_the_partitions_ahead(conn):
    report = await run(conn)
    ahead = [NOW.date() + timedelta(days=n) for n in range(DAYS_AHEAD + 1)]
    assert report.created == [partition_name(day) for day in ahead]
    assert set(ahead) <= set(await list_partitions(conn))


async def test_late_event_for_a_dropped_day_does_not_survive_the_next_purge(
    conn, database_url, tmp_path
):
    """A late event (a spool replayed after an outage, a wrong clock) for a
    day the purge already dropped is written, not lost: the writer creates
    the partition again. The purge acts on the partitions that exist, not on
    a memory of what it dropped, so the next run removes it again."""
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [ago(200), ago(0)])
    await run(conn)
    assert ago(200).date() not in await list_partitions(conn)

    async with spooled_writer(database_url, tmp_path) as writer:
        await submit(writer, [row(site, ago(200)), row(site, ago(183, hours=1))])
        await writer.flush()
    assert writer.metrics.total("rows_written") == 2
    assert ago(200).date() in await list_partitions(conn)

    next_day = NOW + timedelta(days=1)
    await run(conn, now=next_day)
    assert await conn.fetchval("SELECT min(ts) FROM events") >= next_day - timedelta(days=183)
    assert ago(200).date() not in await list_partitions(conn)


async def test_audit_row_records_the_run(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    key = await conn.fetchval("SELECT key FROM sites WHERE id = $1", short)
    await add_events(conn, short, [ago(d) for d in AGES])
    await run(conn, actor="cli:ana")
    [row] = await conn.fetch("SELECT actor, action, detail FROM audit_log")
    assert (row["actor"], row["action"]) == ("cli:ana", "purge")
    detail = json.loads(row["detail"])
    assert detail["dry_run"] is False
    assert detail["cutoff"] == ago(183).isoformat()
    assert detail["retention_days"] == 183
    assert detail["site_cutoffs"] == {key: ago(30).isoformat()}
    assert detail["partitions_dropped"] == {partition_name(ago(200).date()): 1}
    assert detail["rows_deleted"] == {key: 2}
    assert detail["aggregate_retention_days"] is None
    assert "error" not in detail


async def test_a_failed_run_still_records_what_it_removed(conn):
    short = await add_site(conn, "Kort", retention_days=30)
    key = await conn.fetchval("SELECT key FROM sites WHERE id = $1", short)
    await add_events(conn, short, [ago(d) for d in AGES])

    def fail_at_delete(message: str) -> None:
        if message.startswith("deleting"):
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        await run(conn, progress=fail_at_delete)
    [detail] = await conn.fetch("SELECT detail FROM audit_log WHERE action = 'purge'")
    detail = json.loads(detail["detail"])
    assert detail["error"] == "disk on fire"
    assert detail["partitions_dropped"] == {partition_name(ago(200).date()): 1}
    assert detail["rows_deleted"] == {key: 1}  # the first batch, before the failure
    # The lock was let go: the next run completes the job.
    assert (await run(conn)).deleted == {short: 1}


async def test_a_second_purge_while_one_runs_stops_without_changing_anything(conn, database_url):
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [ago(200)])
    holder = await asyncpg.connect(database_url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", PURGE_LOCK_KEY)
        with pytest.raises(PurgeBusy, match="Another peil purge is running"):
            await run(conn)
        assert ago(200).date() in await list_partitions(conn)
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == 0
        assert (await run(conn, dry_run=True)).dropped  # a dry run needs no lock
    finally:
        await holder.close()
    assert (await run(conn)).dropped  # the lock was let go


async def test_purges_started_together_do_not_collide(conn, database_url):
    site = await add_site(conn, "Noord", retention_days=30)
    await add_events(conn, site, [ago(d) for d in AGES], per_moment=500)
    others = [await asyncpg.connect(database_url) for _ in range(3)]
    try:
        outcomes = await asyncio.gather(
            *(run(c, batch_rows=50) for c in others), return_exceptions=True
        )
    finally:
        for other in others:
            await other.close()
    done = [o for o in outcomes if not isinstance(o, BaseException)]
    assert done and all(isinstance(o, PurgeBusy) for o in outcomes if o not in done)
    assert sum(sum(r.deleted.values()) for r in done) == 2 * 500
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == len(done)
    assert await events_by_site(conn) == {site: sorted([ago(10), ago(0)] * 500)}


async def test_tables_other_than_event_partitions_are_untouched(conn):
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [ago(200)])
    # An aggregate-like table and a day table an operator detached on purpose.
    await conn.execute("CREATE TABLE rollup_test (day date, site_id int, pageviews int)")
    await conn.execute(
        "INSERT INTO rollup_test SELECT d, $1, 7 FROM generate_series($2::date, $3::date, "
        "'1 day') d",
        site,
        ago(400).date(),
        NOW.date(),
    )
    await conn.execute("CREATE TABLE events_20200101 (LIKE events INCLUDING DEFAULTS)")
    await conn.execute(
        "INSERT INTO events_20200101 (ts, visitor, site_id, type) "
        "VALUES ('2020-01-01T10:00:00Z', 1, $1, 1)",
        site,
    )
    try:
        report = await run(conn, aggregate_retention_days=None)
        assert report.dropped == {partition_name(ago(200).date()): 1}
        assert await conn.fetchval("SELECT count(*) FROM rollup_test") == 401
        assert await conn.fetchval("SELECT count(*) FROM events_20200101") == 1
    finally:
        await conn.execute("DROP TABLE rollup_test, events_20200101")


async def test_table_left_detached_by_an_interrupted_purge_is_dropped(conn):
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [ago(200), ago(0)])
    name = partition_name(ago(200).date())
    # What a purge stopped between its detach and its drop leaves behind.
    await conn.execute(f"COMMENT ON TABLE {name} IS '{EXPIRED_MARK}'")
    await conn.execute(f"ALTER TABLE events DETACH PARTITION {name}")
    report = await run(conn)
    assert report.dropped == {name: 1}
    assert await conn.fetchval("SELECT to_regclass($1)", name) is None


async def test_detach_interrupted_half_way_is_finished(conn, database_url):
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [ago(200), ago(0)])
    day = ago(200).date()
    reader = await asyncpg.connect(database_url)
    detacher = await asyncpg.connect(database_url)
    try:
        # An open snapshot makes DETACH ... CONCURRENTLY wait after its first
        # step; cancelling it there leaves the partition "pending detach".
        tx = reader.transaction(isolation="repeatable_read")
        await tx.start()
        await reader.fetchval("SELECT count(*) FROM events")
        detach = asyncio.create_task(
            detacher.execute(
                f"ALTER TABLE events DETACH PARTITION {partition_name(day)} CONCURRENTLY"
            )
        )
        async with asyncio.timeout(20):
            while await pending_detach(conn) != {day}:
                await asyncio.sleep(0.02)
        await conn.execute("SELECT pg_cancel_backend($1)", detacher.get_server_pid())
        with pytest.raises(asyncpg.QueryCanceledError):
            await detach
        await tx.rollback()
    finally:
        await reader.close()
        await detacher.close()
    assert await pending_detach(conn) == {day}
    report = await run(conn)
    assert report.dropped == {partition_name(day): 1}
    assert day not in await list_partitions(conn)
    assert await pending_detach(conn) == set()


async def test_default_partition_falls_back_to_a_plain_detach(conn):
    site = await add_site(conn, "Noord")
    await add_events(conn, site, [ago(200), ago(0)])
    await conn.execute("CREATE TABLE events_default PARTITION OF events DEFAULT")
    try:
        report = await run(conn)
        assert report.dropped == {partition_name(ago(200).date()): 1}
    finally:
        await conn.execute("DROP TABLE events_default")


async def test_nothing_to_do_on_an_empty_database(conn):
    report = await run(conn)
    assert not report.removed_anything
    assert report.dropped == {} and report.deleted == {}
    assert isinstance(report.plan.cutoff, datetime)
    assert all(isinstance(d, date) for d in await list_partitions(conn))
