"""The privacy commands end to end through `peil`: forget prints how many
it deleted, subject-export prints JSON (one array) or CSV with formula cells
neutralised, audit prints one line a row with its rows, privacy-statement
follows the site's consent and contact set in SQL; each writes its audit row
and an expected failure is one sentence with exit code 2."""

from __future__ import annotations

import asyncio
import csv
import io
import json

import asyncpg
import pytest

from tests.support.visitors import add_events, add_site

TARGET = "clivisitor000001"


@pytest.fixture
def site(database_url):
    async def make() -> dict:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute("TRUNCATE events, audit_log, forget_requests")
            site = await add_site(conn, "Studio Pix")
            await add_events(conn, site["id"], 25, uid=TARGET, path="=HYPERLINK(1)")
            await add_events(conn, site["id"], 5, uid="someone-else")
            return site
        finally:
            await conn.close()

    return asyncio.run(make())


def test_forget_prints_how_many_and_is_audited(cli, site, db_rows):
    result = cli("forget", "--uid", TARGET, "--site", site["key"])
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "deleted 25 events"
    assert db_rows("SELECT count(*) FROM events WHERE uid = $1", TARGET) == [(0,)]
    assert db_rows("SELECT count(*) FROM events") == [(5,)]
    [(actor, rows, detail)] = db_rows(
        "SELECT actor, (detail->>'rows')::int, detail::text FROM audit_log WHERE action = 'forget'"
    )
    assert actor.startswith("cli:") and rows == 25 and TARGET not in detail


def test_subject_export_json_is_one_array_of_every_event(cli, site):
    result = cli("subject-export", "--uid", TARGET)
    assert result.code == 0, result.err
    events = json.loads(result.out)
    assert len(events) == 25
    assert {e["uid"] for e in events} == {TARGET} and {e["site"] for e in events} == {site["key"]}
    assert events[0]["type"] == "pageview" and events[0]["props"] == {"plan": "pro"}
    assert events[0]["path"] == "=HYPERLINK(1)"  # JSON keeps values as they are
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    assert json.loads(cli("subject-export", "--sid", "nobody").out) == []


def test_subject_export_csv_neutralises_formulas(cli, site, db_rows):
    result = cli("subject-export", "--uid", TARGET, "--format", "csv", "--site", site["key"])
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert len(rows) == 25
    assert {r["path"] for r in rows} == {"'=HYPERLINK(1)"}
    assert {r["ip"] for r in rows} == {"203.0.113.0"}
    [(rows_audited, fmt)] = db_rows(
        "SELECT (detail->>'rows')::int, detail->>'format' FROM audit_log"
        " WHERE action = 'subject-export'"
    )
    assert (rows_audited, fmt) == (25, "csv")


def test_audit_prints_one_line_a_row(cli, site):
    cli("forget", "--uid", TARGET)
    cli("subject-export", "--uid", "someone-else")
    result = cli("audit", "--since", "2020-01-01")
    assert result.code == 0, result.err
    header, *lines = result.out.splitlines()
    assert header.split() == ["when", "who", "what", "rows", "detail"]
    assert [line.split()[2:4] for line in lines] == [["forget", "25"], ["subject-export", "5"]]
    assert lines[0].split()[0].endswith("Z")
    only = cli("audit", "--action", "audit").out.splitlines()
    assert [line.split()[2:4] for line in only[1:]] == [["audit", "2"]]
    assert cli("audit", "--since", "2999-01-01").out == "no audit rows since 2999-01-01\n"


def test_privacy_statement_follows_the_sites_settings(cli, site, db_rows):
    plain = cli("privacy-statement", "--site", site["key"])
    assert plain.code == 0 and "geen cookies" in plain.out
    assert "has no contact address" in plain.err
    db_rows(
        "UPDATE sites SET consent = 'required', contact = 'privacy@example.nl' WHERE key = $1",
        site["key"],
    )
    consent = cli("privacy-statement", "--site", site["key"], "--lang", "en", "--format", "html")
    assert consent.code == 0 and consent.err == ""
    assert (
        '<a href="mailto:privacy@example.nl">' in consent.out and "peil_id (cookie)" in consent.out
    )
    assert "<script" not in consent.out
    assert db_rows(
        "SELECT detail->>'lang', detail->>'format' FROM audit_log"
        " WHERE action = 'privacy-statement' ORDER BY id"
    ) == [("nl", "md"), ("en", "html")]


@pytest.mark.parametrize(
    "argv",
    [
        ["forget"],
        ["forget", "--uid", "a", "--sid", "b"],
        ["forget", "--uid", "a", "--site", "nosuchsite"],
        ["forget", "--uid", ""],
        ["subject-export", "--uid", "a", "--format", "xml"],
        ["audit", "--action", "frobnicate"],
        ["audit", "--since", "yesterday"],
        ["privacy-statement", "--site", "nosuchsite"],
        ["privacy-statement", "--site", "x", "--lang", "de"],
    ],
    ids=" ".join,
)
def test_a_mistake_is_one_sentence(cli, site, argv, db_rows):
    result = cli(*argv)
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("peil: ")
    assert db_rows("SELECT count(*) FROM forget_requests") == [(0,)]
