"""Who may call what: every route of the app against every kind of caller (admin and
viewer sessions, a viewer without the site, admin and viewer tokens, a revoked token,
nobody), with the status each must get; and the table covers every route there is."""

from __future__ import annotations

import asyncpg
import orjson
import pytest

from tests.support.accounts import add_account, add_token, cookie_session, log_in

PASSWORD = "matrix password 1"
CALLERS = (
    "anonymous",
    "revoked_token",
    "viewer_token",
    "admin_token",
    "viewer_not_granted",
    "viewer_granted",
    "admin_session",  # last: its changes must not change what the others see
)


@pytest.fixture(scope="module")
def env(env):
    # Loopback may not read /metrics without credentials here, so the token rule shows.
    return {**env, "PEIL_METRICS_ALLOW": "10.0.0.0/8"}


@pytest.fixture(scope="module")
async def world(database_url):
    """Two sites, three users, tokens, and disposable things for the admin to change."""
    conn = await asyncpg.connect(database_url)
    try:
        keys = {}
        for name in ("Granted", "Other", "Disposable"):
            keys[name] = await conn.fetchval(
                "INSERT INTO sites (key, name, domains) VALUES ($1, $2, '{example.nl}')"
                " RETURNING key",
                name.lower()[:8] + "key",
                name,
            )
        await add_account(conn, "admin@matrix.nl", PASSWORD, "admin")
        await add_account(conn, "viewer@matrix.nl", PASSWORD, "viewer", [keys["Granted"]])
        await add_account(conn, "outsider@matrix.nl", PASSWORD, "viewer", [keys["Other"]])
        await add_account(conn, "disposable@matrix.nl", PASSWORD, "viewer")
        tokens = {
            "admin_token": (await add_token(conn, "admin@matrix.nl"))[1],
            "viewer_token": (await add_token(conn, "viewer@matrix.nl"))[1],
        }
        revoked_id, tokens["revoked_token"] = await add_token(conn, "viewer@matrix.nl")
        await conn.execute("UPDATE api_tokens SET revoked_at = now() WHERE id = $1", revoked_id)
        disposable_token, _ = await add_token(conn, "disposable@matrix.nl")
        site_id = await conn.fetchval("SELECT id FROM sites WHERE key = $1", keys["Granted"])
        await conn.execute(
            "INSERT INTO goals (site_id, name, kind, match) VALUES ($1, 'Old goal', 'page', '/x')",
            site_id,
        )
        return {"keys": keys, "tokens": tokens, "disposable_token": disposable_token}
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def callers(server, world):
    """One HTTP client per kind of caller; sessions logged in through the form."""
    clients = {}
    for caller in CALLERS:
        http = cookie_session()
        token = world["tokens"].get(caller)
        if token:
            http.headers["Authorization"] = f"Bearer {token}"
        email = {
            "viewer_not_granted": "outsider@matrix.nl",
            "viewer_granted": "viewer@matrix.nl",
            "admin_session": "admin@matrix.nl",
        }.get(caller)
        if email:
            response = await log_in(http, server.url, email, PASSWORD)
            assert response.status == 303, await response.text()
            async with http.get(f"{server.url}/api/session") as me:
                http.headers["X-CSRF-Token"] = (await me.json())["csrf"]
        clients[caller] = http
    yield clients
    for http in clients.values():
        await http.close()


# Expected statuses in CALLERS order.
PUBLIC = (200,) * 7
READ_SITE = (401, 401, 200, 200, 404, 200, 200)
READ_ANY = (401, 401, 200, 200, 200, 200, 200)
SESSION_ONLY = (401, 401, 403, 403, 200, 200, 200)
PAGE = (303, 401, 403, 403, 200, 200, 200)
ADMIN_READ = (401, 401, 403, 403, 403, 403, 200)
METRICS = (401, 401, 403, 200, 403, 403, 200)


def admin_change(status: int) -> tuple[int, ...]:
    return (401, 401, 403, 403, 403, 403, status)


# (method, route as registered, path asked, JSON body, expected statuses)
ROUTES = [
    ("POST", "/api/events", "/api/events", None, (400,) * 7),  # no body: judged, not refused
    ("OPTIONS", "/api/events", "/api/events", None, (403,) * 7),  # no known Origin
    ("GET", "/api/p.gif", "/api/p.gif", None, (400,) * 7),
    ("GET", "/peil.js", "/peil.js", None, PUBLIC),
    ("GET", "/optout", "/optout", None, PUBLIC),
    ("GET", "/optout.js", "/optout.js", None, PUBLIC),
    ("GET", "/optout.css", "/optout.css", None, PUBLIC),
    ("GET", "/healthz", "/healthz", None, PUBLIC),
    ("GET", "/metrics", "/metrics", None, METRICS),
    ("GET", "/login", "/login", None, PUBLIC),
    ("GET", "/dashboard.js", "/dashboard.js", None, PUBLIC),
    ("GET", "/dashboard.css", "/dashboard.css", None, PUBLIC),
    ("GET", "/ui/{name}", "/ui/lib-format.js", None, PUBLIC),
    ("GET", "/favicon.ico", "/favicon.ico", None, (204,) * 7),
    ("GET", "/", "/", None, PAGE),
    ("GET", "/api/session", "/api/session", None, SESSION_ONLY),
    ("GET", "/api/sites", "/api/sites", None, READ_ANY),
    ("GET", "/api/stats/overview", "/api/stats/overview?site={Granted}", None, READ_SITE),
    (
        "GET",
        "/api/stats/breakdown",
        "/api/stats/breakdown?site={Granted}&by=page",
        None,
        READ_SITE,
    ),
    ("GET", "/api/stats/media", "/api/stats/media?site={Granted}", None, READ_SITE),
    ("GET", "/api/stats/clicks", "/api/stats/clicks?site={Granted}", None, READ_SITE),
    ("GET", "/api/stats/realtime", "/api/stats/realtime?site={Granted}", None, READ_SITE),
    ("GET", "/api/stats/events", "/api/stats/events?site={Granted}", None, READ_SITE),
    ("GET", "/api/stats/props", "/api/stats/props?site={Granted}&event=x", None, READ_SITE),
    ("GET", "/api/stats/goals", "/api/stats/goals?site={Granted}", None, READ_SITE),
    (
        "GET",
        "/api/stats/funnel",
        "/api/stats/funnel?site={Granted}&step=page:/a&step=event:b",
        None,
        READ_SITE,
    ),
    ("GET", "/api/stats/errors", "/api/stats/errors?site={Granted}", None, READ_SITE),
    ("GET", "/api/stats/elements", "/api/stats/elements?site={Granted}", None, READ_SITE),
    (
        "GET",
        "/api/stats/media/timeline",
        "/api/stats/media/timeline?site={Granted}&src=v.mp4",
        None,
        READ_SITE,
    ),
    ("GET", "/api/export", "/api/export?site={Granted}", None, READ_SITE),
    ("GET", "/api/admin/sites", "/api/admin/sites", None, ADMIN_READ),
    (
        "POST",
        "/api/admin/sites",
        "/api/admin/sites",
        {"name": "New", "domains": ["new.example.nl"]},
        admin_change(201),
    ),
    (
        "PATCH",
        "/api/admin/sites/{key}",
        "/api/admin/sites/{Disposable}",
        {"name": "Renamed"},
        admin_change(200),
    ),
    ("GET", "/api/admin/users", "/api/admin/users", None, ADMIN_READ),
    (
        "POST",
        "/api/admin/users",
        "/api/admin/users",
        {"email": "new@matrix.nl", "password": "a new password"},
        admin_change(201),
    ),
    (
        "PATCH",
        "/api/admin/users/{email}",
        "/api/admin/users/disposable@matrix.nl",
        {"role": "viewer"},
        admin_change(200),
    ),
    (
        "PUT",
        "/api/admin/users/{email}/sites/{key}",
        "/api/admin/users/disposable@matrix.nl/sites/{Disposable}",
        None,
        admin_change(200),
    ),
    (
        "DELETE",
        "/api/admin/users/{email}/sites/{key}",
        "/api/admin/users/disposable@matrix.nl/sites/{Disposable}",
        None,
        admin_change(200),
    ),
    ("GET", "/api/admin/tokens", "/api/admin/tokens", None, ADMIN_READ),
    ("POST", "/api/admin/tokens", "/api/admin/tokens", {"name": "ci"}, admin_change(201)),
    (
        "DELETE",
        "/api/admin/tokens/{id}",
        "/api/admin/tokens/{disposable_token}",
        None,
        admin_change(200),
    ),
    (
        "GET",
        "/api/admin/sites/{key}/goals",
        "/api/admin/sites/{Granted}/goals",
        None,
        ADMIN_READ,
    ),
    (
        "POST",
        "/api/admin/sites/{key}/goals",
        "/api/admin/sites/{Granted}/goals",
        {"name": "Signed up", "event": "signup"},
        admin_change(201),
    ),
    (
        "DELETE",
        "/api/admin/sites/{key}/goals/{name}",
        "/api/admin/sites/{Granted}/goals/Old%20goal",
        None,
        admin_change(200),
    ),
    (
        "POST",
        "/api/admin/privacy/forget",
        "/api/admin/privacy/forget",
        {"uid": "nobody-of-the-matrix"},
        admin_change(200),
    ),
    ("GET", "/api/admin/privacy/export", "/api/admin/privacy/export?uid=x1", None, ADMIN_READ),
    (
        "GET",
        "/api/admin/privacy/statement",
        "/api/admin/privacy/statement?site={Granted}",
        None,
        ADMIN_READ,
    ),
    ("GET", "/api/admin/audit", "/api/admin/audit", None, ADMIN_READ),
    (
        "DELETE",
        "/api/admin/users/{email}",
        "/api/admin/users/disposable@matrix.nl",
        None,
        admin_change(200),
    ),
    (
        "DELETE",
        "/api/admin/sites/{key}",
        "/api/admin/sites/{Disposable}",
        None,
        admin_change(200),
    ),
]
# Judged in their own tests (test_login.py): the form's CSRF and the session they end.
OWN_TESTS = {("POST", "/login"), ("POST", "/logout")}


def path_of(template: str, world) -> str:
    return template.format(**world["keys"], disposable_token=world["disposable_token"])


async def test_the_table_names_every_route_of_the_app(server):
    registered = {
        (route.method, route.resource.canonical)
        for route in server.app.router.routes()
        if route.method != "HEAD"
    }
    assert registered == {(method, route) for method, route, *_ in ROUTES} | OWN_TESTS


@pytest.mark.parametrize(
    ("method", "route", "path", "body", "expected"), ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES]
)
async def test_every_caller_gets_the_status_of_its_role(
    server, world, callers, method, route, path, body, expected
):
    got = []
    for caller in CALLERS:
        async with callers[caller].request(
            method,
            server.url + path_of(path, world),
            data=orjson.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json"} if body is not None else None,
            allow_redirects=False,
        ) as response:
            got.append(response.status)
    assert dict(zip(CALLERS, got, strict=True)) == dict(zip(CALLERS, expected, strict=True))


async def test_sites_lists_only_what_the_caller_reads(server, world, callers):
    async def keys(caller):
        async with callers[caller].get(f"{server.url}/api/sites") as response:
            return sorted(site["key"] for site in (await response.json())["sites"])

    assert await keys("viewer_granted") == [world["keys"]["Granted"]]
    assert await keys("viewer_token") == [world["keys"]["Granted"]]
    assert await keys("viewer_not_granted") == [world["keys"]["Other"]]
    assert world["keys"]["Granted"] in await keys("admin_token")


async def test_a_site_one_may_not_read_looks_like_no_site_at_all(server, world, callers):
    async def error_of(key):
        url = f"{server.url}/api/stats/overview?site={key}"
        async with callers["viewer_not_granted"].get(url) as response:
            return response.status, (await response.json())["error"]

    hidden_status, hidden = await error_of(world["keys"]["Granted"])
    missing_status, missing = await error_of("nosuchsitekey")
    assert hidden_status == missing_status == 404
    assert hidden.replace(world["keys"]["Granted"], "KEY") == missing.replace(
        "nosuchsitekey", "KEY"
    )


CHANGES = [r for r in ROUTES if r[0] not in ("GET", "OPTIONS") and r[1] != "/api/events"]


@pytest.mark.parametrize("csrf", [None, "", "not-the-token"], ids=["missing", "empty", "wrong"])
@pytest.mark.parametrize(
    ("method", "route", "path", "body", "expected"),
    CHANGES,
    ids=[f"{r[0]} {r[1]}" for r in CHANGES],
)
async def test_a_change_without_the_sessions_csrf_token_is_refused(
    server, world, callers, database_url, method, route, path, body, expected, csrf
):
    http = callers["admin_session"]
    headers = {k: v for k, v in http.headers.items() if k != "X-CSRF-Token"}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    conn = await asyncpg.connect(database_url)
    try:
        audit_before = await conn.fetchval("SELECT count(*) FROM audit_log")
        async with (
            cookie_session() as bare,
            bare.request(
                method,
                server.url + path_of(path, world),
                data=orjson.dumps(body) if body is not None else None,
                headers={**headers, "Content-Type": "application/json"},
                cookies={c.key: c.value for c in http.cookie_jar},
            ) as response,
        ):
            assert response.status == 403
            assert "CSRF" in (await response.json())["error"]
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == audit_before
    finally:
        await conn.close()


async def test_the_csrf_token_may_come_as_a_form_field(server, world, callers):
    http = callers["admin_session"]
    csrf = http.headers["X-CSRF-Token"]
    headers = {k: v for k, v in http.headers.items() if k != "X-CSRF-Token"}
    async with cookie_session() as bare:
        cookies = {c.key: c.value for c in http.cookie_jar}
        url = f"{server.url}/api/admin/tokens/{world['disposable_token']}"
        async with bare.delete(url, data={"csrf": "wrong"}, headers=headers, cookies=cookies) as r:
            assert r.status == 403
        async with bare.delete(url, data={"csrf": csrf}, headers=headers, cookies=cookies) as r:
            assert r.status in (200, 404)  # judged by the handler: the CSRF check passed
