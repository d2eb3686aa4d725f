"""Reading the audit trail: from a UTC day on, one action or all, oldest
first; rows per action (a purge's dropped and deleted rows together); an
unknown action refused in one sentence; the read itself recorded after it."""

from __future__ import annotations

from datetime import date

import pytest

from collector.errors import PeilError
from collector.privacy.audit_trail import audit_rows, rows_of
from collector.store.audit import AuditRow, record


@pytest.fixture
async def trail(db):
    await db.execute("TRUNCATE audit_log")
    await db.execute(
        "INSERT INTO audit_log (at, actor, action, detail) VALUES"
        " ('2025-11-30 23:59:59+00', 'serve', 'purge',"
        '  \'{"partitions_dropped": {"events_20260501": 70}, "rows_deleted": {"abc": 5}}\'),'
        " ('2025-12-01 00:00:00+00', 'cli:ann', 'forget', '{\"rows\": 12}'),"
        " ('2025-12-02 10:00:00+00', 'ann@example.nl', 'login', '{}')"
    )


async def test_since_a_utc_day_and_one_action(db, trail):
    rows = await audit_rows(db, date(2025, 12, 1), actor="cli:bob")
    assert [r.action for r in rows] == ["forget", "login"]
    rows = await audit_rows(db, None, "purge", actor="cli:bob")
    assert [(r.actor, rows_of(r)) for r in rows] == [("serve", 75)]


async def test_the_read_is_recorded_after_it(db, trail):
    first = await audit_rows(db, actor="cli:bob")
    assert len(first) == 3
    again = await audit_rows(db, actor="cli:bob")
    assert again[-1].action == "audit" and again[-1].actor == "cli:bob"
    assert again[-1].detail == {"since": None, "action": None, "rows": 3}


async def test_an_unknown_action_is_one_sentence(db, trail):
    with pytest.raises(PeilError, match="not an audit action"):
        await audit_rows(db, None, "frobnicate", actor="cli:bob")


def test_rows_of_each_kind_of_row():
    def row(action, detail):
        return AuditRow(1, None, "x", action, detail)

    assert rows_of(row("forget", {"rows": 3})) == 3
    assert rows_of(row("login", {})) is None
    assert rows_of(row("purge", {"partitions_dropped": {}, "rows_deleted": {}})) == 0


async def test_record_round_trips_the_detail(db, trail):
    await record(db, "cli:x", "site-edit", {"a": [1, "ü"]})
    [row] = await audit_rows(db, None, "site-edit", actor="cli:x")
    assert row.detail == {"a": [1, "ü"]}
