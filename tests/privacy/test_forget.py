"""Forget on the real database: exactly the visitor's raw events go, in every
day partition and in batches, on one site or all, by uid or sid; every other
visitor and the aggregates stay; the audit row counts the rows and never
holds the id; the forget request is opened and later checks delete rows
written after the forget (a replayed spool) until it is closed."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import pytest

from collector.errors import PeilError
from collector.privacy.forget import forget
from collector.privacy.requests import recheck
from collector.rollup import job as rollup
from tests.support.visitors import add_events, add_site, count

TARGET = "k3j9target00uid1"


@pytest.fixture
async def sites(db):
    await db.execute("TRUNCATE events, forget_requests, audit_log")
    return await add_site(db, "A"), await add_site(db, "B")


async def test_forget_deletes_exactly_the_visitors_rows_in_every_partition(db, sites, database_url):
    a, b = sites
    await add_events(db, a["id"], 257, uid=TARGET, days_back=3)
    await add_events(db, b["id"], 31, uid=TARGET, days_back=1)
    await add_events(db, a["id"], 40, uid="someone-else")
    await add_events(db, a["id"], 50)  # cookieless visitors
    await add_events(db, a["id"], 12, uid="other", sid=TARGET)  # a sid equal to the uid
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await rollup.run(pool)
        aggregates = await db.fetch("SELECT * FROM rollup_days ORDER BY site_id, day")
        partitions = await db.fetchval(
            "SELECT count(DISTINCT tableoid) FROM events WHERE uid = $1", TARGET
        )
        expected = await count(db, "uid = $1", TARGET)
        others = await db.fetch(
            "SELECT uid, sid, site_id, count(*) FROM events WHERE uid IS DISTINCT FROM $1"
            " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            TARGET,
        )

        deleted = await forget(pool, uid=TARGET, actor="test", batch_rows=10)

        assert partitions >= 4 and expected == 288
        assert deleted == expected
        assert await count(db, "uid = $1", TARGET) == 0
        after = await db.fetch(
            "SELECT uid, sid, site_id, count(*) FROM events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
        assert after == others
        await rollup.run(pool)  # nothing new to fold: the aggregates are as they were
        assert await db.fetch("SELECT * FROM rollup_days ORDER BY site_id, day") == aggregates
    finally:
        await pool.close()


async def test_one_site_only_and_by_sid(db, sites):
    a, b = sites
    await add_events(db, a["id"], 20, uid="u1", sid=TARGET)
    await add_events(db, b["id"], 7, uid="u2", sid=TARGET)
    assert await forget(db, sid=TARGET, site_id=b["id"], actor="test") == 7
    assert await count(db, "sid = $1", TARGET) == 20
    assert await count(db, "site_id = $1", b["id"]) == 0
    assert await forget(db, sid=TARGET, actor="test") == 20
    assert await count(db) == 0


async def test_the_audit_row_counts_rows_and_holds_no_id(db, sites):
    a, _ = sites
    await add_events(db, a["id"], 9, uid=TARGET)
    await forget(db, uid=TARGET, site_id=a["id"], actor="cli:ann")
    actor, action, detail = await db.fetchrow(
        "SELECT actor, action, detail::text FROM audit_log WHERE action = 'forget'"
    )
    assert (actor, action) == ("cli:ann", "forget")
    assert TARGET not in detail
    prefix = hashlib.sha256(TARGET.encode()).hexdigest()[:12]
    request = await db.fetchval("SELECT id FROM forget_requests")
    assert orjson.loads(detail) == {
        "by": "uid",
        "subject": f"sha256:{prefix}",
        "site": a["key"],
        "rows": 9,
        "visits": 0,  # no rollup ran: no visit yet
        "request": request,
    }


async def test_nothing_to_forget_still_records_and_opens_a_request(db, sites):
    assert await forget(db, uid="nobody", actor="test") == 0
    assert await db.fetchval("SELECT detail->>'rows' FROM audit_log") == "0"
    assert await db.fetchval("SELECT count(*) FROM forget_requests WHERE closed_at IS NULL") == 1


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"uid": "a", "sid": "b"}, {"uid": ""}, {"uid": "x" * 201}, {"uid": "a", "site_id": -1}],
)
async def test_a_bad_request_is_refused_before_anything_changes(db, sites, kwargs):
    with pytest.raises(PeilError):
        await forget(db, actor="test", **kwargs)
    assert await db.fetchval("SELECT count(*) FROM forget_requests") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_postgres_hashes_the_id_as_python_does(db):
    for value in (TARGET, "ü-ïd €", "a'b\"c"):
        digest = await db.fetchval("SELECT sha256(convert_to($1::text, 'UTF8'))", value)
        assert digest == hashlib.sha256(value.encode()).digest()


async def test_later_checks_delete_rows_written_after_the_forget(db, sites, tmp_path):
    """A row arriving after the forget (as from a spool replayed late) with a receive
    time before the request goes; one received after the request's margin stays."""
    a, _ = sites
    await add_events(db, a["id"], 5, uid=TARGET)
    assert await forget(db, uid=TARGET, actor="test") == 5
    requested_at = await db.fetchval("SELECT requested_at FROM forget_requests")
    await add_events(db, a["id"], 3, uid=TARGET, ts=requested_at - timedelta(minutes=10))
    await add_events(db, a["id"], 2, uid=TARGET, ts=requested_at + timedelta(seconds=30))
    later = datetime.now(UTC) + timedelta(hours=1)
    await add_events(db, a["id"], 4, uid=TARGET, ts=later)  # received long after: new data
    await add_events(db, a["id"], 6, uid="someone-else", ts=requested_at - timedelta(minutes=1))

    [check] = await recheck(
        db, spool_dir=tmp_path / "no-spool", retention_days=183, actor="serve", margin_s=60
    )

    assert (check.deleted, check.closed) == (5, False)  # the margin has not passed yet
    assert await count(db, "uid = $1", TARGET) == 4
    assert await count(db, "uid = 'someone-else'") == 6
    # A second check reads only rows committed since the first: none.
    [check] = await recheck(
        db, spool_dir=tmp_path / "no-spool", retention_days=183, actor="serve", margin_s=60
    )
    assert check.deleted == 0


async def test_a_request_closes_when_no_spool_holds_older_events(db, sites, tmp_path):
    a, _ = sites
    await add_events(db, a["id"], 5, uid=TARGET)
    await forget(db, uid=TARGET, actor="test")
    await add_events(db, a["id"], 2, uid=TARGET, ts=datetime.now(UTC) - timedelta(hours=1))

    [check] = await recheck(db, spool_dir=tmp_path, retention_days=183, actor="serve", margin_s=0)

    assert (check.deleted, check.closed) == (2, True)
    row = await db.fetchrow("SELECT subject_hash, rechecked, closed_at FROM forget_requests")
    assert row["subject_hash"] is None and row["rechecked"] == 2 and row["closed_at"]
    detail = orjson.loads(
        await db.fetchval("SELECT detail FROM audit_log WHERE action = 'forget-close'")
    )
    assert detail["rows"] == 2 and detail["backlog_written"] is True
    assert await recheck(db, spool_dir=tmp_path, retention_days=183, actor="serve") == []


async def test_a_request_closes_after_the_retention_whatever_the_spool(db, sites, tmp_path):
    await forget(db, uid=TARGET, actor="test")
    await db.execute("UPDATE forget_requests SET requested_at = now() - interval '31 days'")
    [check] = await recheck(db, spool_dir=tmp_path, retention_days=30, actor="serve")
    assert check.closed


def test_an_id_is_taken_without_surrounding_space_and_a_whole_cookie_is_refused():
    from collector.errors import PeilError
    from collector.privacy.subject import subject

    assert subject(uid="  k3j4h5g6f7d8s9a0\n").value == "k3j4h5g6f7d8s9a0"
    with pytest.raises(PeilError, match="whole peil_id cookie"):
        subject(uid="k3j4h5g6f7d8s9a0.1733000000000.s1s2s3s4.1733000001000")
    with pytest.raises(PeilError, match="its third part"):
        subject(sid="k3j4.1733.s1s2.1734")
