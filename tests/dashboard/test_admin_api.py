"""The admin API does what the commands do: sites added, changed and removed (the
snippet follows consent), users with roles and grants, passwords that end sessions,
tokens shown once and revoked, goals; bad bodies are 400 in one sentence, unknown
things 404; every change is audited with the acting admin."""

from __future__ import annotations

import orjson
import pytest

from tests.support.accounts import admin_client, cookie_session, log_in

PASSWORD = "admin api password"


@pytest.fixture(scope="module")
async def admin(server, database_url):
    http = await admin_client(server.url, database_url, "boss@admin.nl", PASSWORD)
    yield http
    await http.close()


@pytest.fixture
def call(server, admin):
    async def send(method, path, body=None, raw=None):
        data = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        async with admin.request(method, f"{server.url}/api/admin{path}", data=data) as response:
            return response.status, orjson.loads(await response.read())

    return send


async def test_sites_are_added_changed_and_removed(call, db):
    status, site = await call(
        "POST", "/sites", {"name": "Api site", "domains": ["https://WWW.Api.nl/x"]}
    )
    assert status == 201
    assert site["domains"] == ["www.api.nl"] and site["consent"] == "none"
    assert site["snippet"].endswith(f'data-site="{site["key"]}"></script>')
    status, edited = await call(
        "PATCH", f"/sites/{site['key']}", {"consent": "required", "contact": "p@api.nl"}
    )
    assert status == 200 and 'data-consent="required"' in edited["snippet"]
    assert edited["contact"] == "p@api.nl" and edited["name"] == "Api site"
    status, cleared = await call("PATCH", f"/sites/{site['key']}", {"contact": None})
    assert status == 200 and cleared["contact"] is None and cleared["consent"] == "required"
    status, listed = await call("GET", "/sites")
    assert site["key"] in [s["key"] for s in listed["sites"]]
    status, removed = await call("DELETE", f"/sites/{site['key']}")
    assert status == 200 and removed == {"removed": site["key"], "deleted_events": 0}
    assert await db.fetchval("SELECT count(*) FROM sites WHERE key = $1", site["key"]) == 0
    actions = await db.fetch(
        "SELECT actor, action FROM audit_log WHERE detail->>'site' = $1 ORDER BY id", site["key"]
    )
    assert [tuple(a) for a in actions] == [
        ("boss@admin.nl", "site-add"),
        ("boss@admin.nl", "site-edit"),
        ("boss@admin.nl", "site-edit"),
        ("boss@admin.nl", "site-remove"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"domains": ["a.nl"]}, "Field 'name' is required."),
        ({"name": "X", "domains": "a.nl"}, "Field 'domains' must be a list."),
        ({"name": "X", "domains": []}, "at least one domain"),
        ({"name": "X", "domains": ["not a domain"]}, "is not a domain name"),
        ({"name": "X", "domains": ["a.nl"], "timezone": "Nowhere/Else"}, "time zone"),
        (
            {"name": "X", "domains": ["a.nl"], "retention_days": True},
            "Field 'retention_days' must be a whole number.",
        ),
        ({"name": "X", "domains": ["a.nl"], "consent": "maybe"}, "Consent must be one of"),
    ],
)
async def test_a_bad_site_body_is_400_in_one_sentence(call, body, message):
    status, answer = await call("POST", "/sites", body)
    assert status == 400
    assert message in answer["error"]


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"\xff\xfe", b"{" * 70000])
async def test_a_body_that_is_no_json_object_is_400(call, raw):
    status, answer = await call("POST", "/users", raw=raw)
    assert status == 400
    assert "JSON object" in answer["error"] or "at most 65536 bytes" in answer["error"]


async def test_unknown_things_are_404(call):
    assert (await call("PATCH", "/sites/nosuchsite", {"name": "X"}))[0] == 404
    assert (await call("DELETE", "/users/nobody@admin.nl"))[0] == 404
    assert (await call("DELETE", "/tokens/999999"))[0] == 404
    assert (await call("DELETE", "/tokens/abc"))[0] == 404
    assert (await call("GET", "/sites/nosuchsite/goals"))[0] == 404


async def test_users_roles_grants_and_passwords(server, call, db):
    status, site = await call("POST", "/sites", {"name": "Granted", "domains": ["g.nl"]})
    status, user = await call(
        "POST", "/users", {"email": "new@admin.nl", "password": "first password", "sites": []}
    )
    assert status == 201 and user["role"] == "viewer" and user["sites"] == []
    assert (await call("PUT", f"/users/new@admin.nl/sites/{site['key']}"))[1] == {"granted": True}
    async with cookie_session() as viewer:
        assert (await log_in(viewer, server.url, "new@admin.nl", "first password")).status == 303
        async with viewer.get(f"{server.url}/api/sites") as listed:
            assert [s["key"] for s in (await listed.json())["sites"]] == [site["key"]]
        status, changed = await call("PATCH", "/users/new@admin.nl", {"password": "second one!"})
        assert status == 200 and changed["sessions_ended"] == 1
        async with viewer.get(f"{server.url}/api/sites") as after:
            assert after.status == 401
    status, promoted = await call("PATCH", "/users/new@admin.nl", {"role": "admin"})
    assert promoted["role"] == "admin"
    status, answer = await call("PATCH", "/users/boss@admin.nl", {"role": "owner"})
    assert status == 400 and "role must be one of" in answer["error"]
    assert (await call("DELETE", "/users/new@admin.nl"))[0] == 200
    status, answer = await call("POST", "/users", {"email": "x@admin.nl", "password": "short"})
    assert status == 400 and "at least 10 characters" in answer["error"]


async def test_tokens_are_shown_once_work_read_only_and_can_be_revoked(server, call, db):
    status, created = await call("POST", "/tokens", {"name": "report", "expires_days": 30})
    assert status == 201 and created["token"].startswith("peil_")
    listed = (await call("GET", "/tokens"))[1]["tokens"]
    (mine,) = [t for t in listed if t["id"] == created["id"]]
    assert mine["name"] == "report" and mine["state"] == "active" and "token" not in mine
    auth = {"Authorization": f"Bearer {created['token']}"}
    async with cookie_session() as http:
        async with http.get(f"{server.url}/api/sites", headers=auth) as response:
            assert response.status == 200
        async with http.post(f"{server.url}/api/admin/tokens", headers=auth) as response:
            assert response.status == 403
        assert (await call("DELETE", f"/tokens/{created['id']}"))[0] == 200
        async with http.get(f"{server.url}/api/sites", headers=auth) as response:
            assert response.status == 401


async def test_goals_of_a_site(call):
    status, site = await call("POST", "/sites", {"name": "Goals", "domains": ["goals.nl"]})
    assert (await call("POST", f"/sites/{site['key']}/goals", {"name": "Buy", "event": "buy"}))[
        0
    ] == 201
    assert (
        await call("POST", f"/sites/{site['key']}/goals", {"name": "Thanks", "page": "/thanks"})
    )[0] == 201
    status, answer = await call("POST", f"/sites/{site['key']}/goals", {"name": "X", "page": "x"})
    assert status == 400 and "is a path" in answer["error"]
    goals = (await call("GET", f"/sites/{site['key']}/goals"))[1]["goals"]
    assert goals == [
        {"name": "Buy", "kind": "event", "match": "buy"},
        {"name": "Thanks", "kind": "page", "match": "/thanks"},
    ]
    assert (await call("DELETE", f"/sites/{site['key']}/goals/Buy"))[0] == 200
    assert (await call("DELETE", f"/sites/{site['key']}/goals/Buy"))[0] == 404


async def test_a_refused_change_of_a_user_changes_nothing(server, call, db):
    await call(
        "POST", "/users", {"email": "solo@admin.nl", "password": "solo password", "role": "viewer"}
    )
    for body in (
        {"password": "another password", "role": "bogus"},
        {"password": "short"},
    ):
        status, _ = await call("PATCH", "/users/solo@admin.nl", body)
        assert status == 400
    async with cookie_session() as http:
        assert (await log_in(http, server.url, "solo@admin.nl", "solo password")).status == 303
    # The last admin stays an admin, and keeps the password and sessions it had.
    admins = await db.fetch("SELECT email FROM users WHERE role = 'admin'")
    for (email,) in admins:
        if email != "boss@admin.nl":
            await call("DELETE", f"/users/{email}")
    status, answer = await call(
        "PATCH", "/users/boss@admin.nl", {"password": "a brand new one", "role": "viewer"}
    )
    assert status == 400 and "last admin" in answer["error"]
    assert (await call("GET", "/users"))[0] == 200  # this session still works
    async with cookie_session() as http:
        assert (await log_in(http, server.url, "boss@admin.nl", PASSWORD)).status == 303
