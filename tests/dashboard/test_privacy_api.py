"""The privacy requests of the admin API: forget answers how many rows went and
leaves everyone else's, the subject export streams every stored field (JSON or
CSV), the statement comes as Markdown or a script-free HTML document, the audit
trail as JSON; each audited with the acting admin."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from tests.support.accounts import admin_client
from tests.support.visitors import add_events, add_site

PASSWORD = "privacy api password"


@pytest.fixture(scope="module")
async def admin(server, database_url):
    http = await admin_client(server.url, database_url, "dpo@privacy.nl", PASSWORD)
    yield http
    await http.close()


async def test_forget_deletes_that_visitor_only_and_says_how_many(server, admin, db):
    site = await add_site(db, "Forget")
    await add_events(db, site["id"], 40, uid="uid-forget-me")
    await add_events(db, site["id"], 7, uid="uid-keep-me")
    await add_events(db, site["id"], 5, sid="sid-other")
    async with admin.post(
        f"{server.url}/api/admin/privacy/forget",
        data=orjson.dumps({"uid": "uid-forget-me", "site": site["key"]}),
    ) as response:
        assert response.status == 200
        assert await response.json() == {"deleted": 40}
    counts = await db.fetch(
        "SELECT coalesce(uid, sid) AS who, count(*) FROM events WHERE site_id = $1"
        " GROUP BY 1 ORDER BY 1",
        site["id"],
    )
    assert [tuple(r) for r in counts] == [("sid-other", 5), ("uid-keep-me", 7)]
    actor, detail = await db.fetchrow(
        "SELECT actor, detail FROM audit_log WHERE action = 'forget' ORDER BY id DESC LIMIT 1"
    )
    assert actor == "dpo@privacy.nl"
    assert orjson.loads(detail)["rows"] == 40 and "uid-forget-me" not in detail


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "exactly one of"),
        ({"uid": "a", "sid": "b"}, "exactly one of"),
        ({"uid": 5}, "as text"),
        ({"uid": "a\x00b"}, "control characters"),
        ({"uid": "a", "site": "nosuchsite"}, "nosuchsite"),
    ],
)
async def test_a_bad_forget_is_400_in_one_sentence(server, admin, body, message):
    async with admin.post(
        f"{server.url}/api/admin/privacy/forget", data=orjson.dumps(body)
    ) as response:
        assert response.status == 400
        assert message in (await response.json())["error"]


async def test_subject_export_streams_every_field_as_json_or_csv(server, admin, db):
    site = await add_site(db, "Export")
    await add_events(db, site["id"], 3, sid="sid-export-me")
    await add_events(db, site["id"], 2, sid="sid-someone-else")
    url = f"{server.url}/api/admin/privacy/export?sid=sid-export-me"
    async with admin.get(url) as response:
        assert response.status == 200
        events = orjson.loads(await response.read())
    assert len(events) == 3
    assert {e["sid"] for e in events} == {"sid-export-me"}
    assert {"ts", "path", "props", "ip", "client_id"} <= set(events[0])
    assert events[0]["props"] == {"plan": "pro"}
    async with admin.get(url + "&format=csv") as response:
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == 3 and rows[0]["sid"] == "sid-export-me"
    async with admin.get(url + "&format=xml") as response:
        assert response.status == 400
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'subject-export' AND actor = $1",
        "dpo@privacy.nl",
    )
    assert audited == 2


async def test_the_statement_in_both_languages_and_formats(server, admin, db):
    site = await add_site(db, "<Studio & Co>")
    await db.execute(
        "UPDATE sites SET consent = 'required', contact = 'privacy@studio.nl' WHERE id = $1",
        site["id"],
    )
    base = f"{server.url}/api/admin/privacy/statement?site={site['key']}"
    async with admin.get(base + "&lang=nl") as response:
        assert response.headers["Content-Type"].startswith("text/markdown")
        dutch = await response.text()
    assert "## Bewaartermijnen" in dutch and "## Jouw rechten" in dutch
    assert r"peil\_id" in dutch and "privacy@studio.nl" in dutch
    async with admin.get(base + "&lang=en&format=html") as response:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        english = await response.text()
    assert "Your rights" in english and "<script" not in english.lower()
    assert "&lt;Studio &amp; Co&gt;" in english and "<Studio" not in english
    async with admin.get(base + "&lang=de") as response:
        assert response.status == 400


async def test_the_audit_trail_as_json(server, admin, db):
    async with admin.get(f"{server.url}/api/admin/audit?action=forget") as response:
        assert response.status == 200
        rows = (await response.json())["rows"]
    assert rows and {r["action"] for r in rows} == {"forget"}
    assert rows[-1]["actor"] == "dpo@privacy.nl" and rows[-1]["rows"] == 40
    async with admin.get(f"{server.url}/api/admin/audit?since=2026-13-01") as response:
        assert response.status == 400
    async with admin.get(f"{server.url}/api/admin/audit?action=nonsense") as response:
        assert response.status == 400
