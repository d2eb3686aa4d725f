"""Subject export on the real database: every raw event of the visitor with
every stored column (all of `events` but rollup_xact), the values as stored,
oldest first, in chunks; one site or all; audited before the first row."""

from __future__ import annotations

import orjson
import pytest

from collector.privacy.subject_export import subject_rows
from tests.support.visitors import add_events, add_site

TARGET = "exportvisitor001"
# Export names of the columns the export renames or adds.
RENAMED = {"site_id": "site", "from_pos": "from", "to_pos": "to"}


@pytest.fixture
async def sites(db):
    await db.execute("TRUNCATE events, audit_log")
    return await add_site(db, "A"), await add_site(db, "B")


async def collect(db, **kwargs):
    async with subject_rows(db, actor="test", **kwargs) as export:
        chunks = [chunk async for chunk in export.chunks()]
    return export, chunks


async def test_every_stored_column_but_the_rollups_transaction_id(db, sites):
    a, _ = sites
    await add_events(db, a["id"], 3, uid=TARGET)
    stored = await db.fetch(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'events'"
    )
    expected = {RENAMED.get(r["column_name"], r["column_name"]) for r in stored} - {"rollup_xact"}
    export, _ = await collect(db, uid=TARGET)
    assert set(export.columns) == expected
    assert len(export.columns) == len(expected)


async def test_the_rows_are_the_visitors_as_stored_oldest_first(db, sites):
    a, b = sites
    await add_events(db, a["id"], 2500, uid=TARGET, days_back=2)
    await add_events(db, b["id"], 4, uid=TARGET)
    await add_events(db, a["id"], 50, uid="someone-else")
    export, chunks = await collect(db, uid=TARGET, chunk_rows=1000)
    assert [len(c) for c in chunks] == [1000, 1000, 504]
    assert export.rows == 2504
    got = [(r["ts"], r["seq"], r["client_id"], r["site"], r["ip"]) for c in chunks for r in c]
    want = await db.fetch(
        "SELECT e.ts, e.seq, e.client_id, s.key, e.ip FROM events e JOIN sites s"
        " ON s.id = e.site_id WHERE uid = $1 ORDER BY ts, seq",
        TARGET,
    )
    assert got == [tuple(r) for r in want]
    assert {r["uid"] for c in chunks for r in c} == {TARGET}


async def test_one_site_by_sid_and_the_audit_row(db, sites):
    a, b = sites
    await add_events(db, a["id"], 6, sid=TARGET)
    await add_events(db, b["id"], 2, sid=TARGET)
    export, chunks = await collect(db, sid=TARGET, site_id=b["id"], fmt="csv")
    assert export.rows == 2 and sum(map(len, chunks)) == 2
    actor, detail = await db.fetchrow(
        "SELECT actor, detail::text FROM audit_log WHERE action = 'subject-export'"
    )
    assert actor == "test" and TARGET not in detail
    assert orjson.loads(detail) | {"subject": None} == {
        "by": "sid",
        "subject": None,
        "site": b["key"],
        "rows": 2,
        "format": "csv",
    }


async def test_nobody_is_an_empty_export_still_audited(db, sites):
    export, chunks = await collect(db, uid="nobody")
    assert export.rows == 0 and chunks == []
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'subject-export'") == 1
