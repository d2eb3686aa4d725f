"""HTTP hardening: the Host check (421 for dashboard, login and API under a foreign
name; ingest, tracker and /optout answer any), who may read /metrics, the headers
of every answer (no version in Server, nosniff, HSTS under https) and the
`__Host-` session cookie under https."""

from __future__ import annotations

import aiohttp
import asyncpg
import pytest

from collector.config import load_settings
from tests.support.accounts import add_account, add_token, cookie_session, csrf_of, log_in
from tests.support.app import running_app

PASSWORD = "hardening password"


@pytest.fixture(scope="module")
async def admin_token(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        await add_account(conn, "admin@hard.nl", PASSWORD, "admin")
        await add_account(conn, "viewer@hard.nl", PASSWORD, "viewer")
        await conn.execute(
            "INSERT INTO sites (key, name, domains) VALUES ('hardsite1', 'H', '{example.nl}')"
        )
        return (await add_token(conn, "admin@hard.nl"))[1]
    finally:
        await conn.close()


async def get(url: str, headers: dict[str, str] | None = None, method: str = "GET"):
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, url, headers=headers or {}, allow_redirects=False) as response,
    ):
        return response.status, response.headers, await response.read()


@pytest.mark.parametrize(
    "path", ["/login", "/", "/api/sites", "/api/stats/overview?site=hardsite1", "/api/session"]
)
async def test_dashboard_login_and_api_answer_421_to_a_foreign_host(server, admin_token, path):
    auth = {"Authorization": f"Bearer {admin_token}"}
    status, _, _ = await get(f"{server.url}{path}", {"Host": "attacker.example", **auth})
    assert status == 421
    status, _, _ = await get(f"{server.url}{path}", {"Host": "localhost:8000", **auth})
    assert status != 421


async def test_a_login_posted_under_a_rebound_host_is_refused(server, admin_token):
    async with cookie_session() as http:
        response = await log_in(
            http, server.url, "admin@hard.nl", PASSWORD, {"Host": "attacker.example"}
        )
        assert response.status == 421
        assert "peil_session" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("path", ["/peil.js", "/optout", "/healthz", "/api/p.gif?site=hardsite1"])
async def test_collection_answers_any_host(server, path):
    status, _, _ = await get(f"{server.url}{path}", {"Host": "www.some-site.example"})
    assert status != 421


async def test_ingest_answers_any_host(server):
    status, _, _ = await get(
        f"{server.url}/api/events", {"Host": "www.some-site.example"}, method="POST"
    )
    assert status == 400  # judged as an event (an empty body), not as a host


async def test_allowed_hosts_replace_the_defaults(env, database_url):
    settings = load_settings({**env, "PEIL_ALLOWED_HOSTS": "Stats.Example.nl, [::1]"})
    async with running_app(settings, database_url) as server:
        assert (await get(f"{server.url}/login", {"Host": "stats.example.nl"}))[0] == 200
        assert (await get(f"{server.url}/login", {"Host": "stats.example.nl:443"}))[0] == 200
        assert (await get(f"{server.url}/login", {"Host": "[::1]:8000"}))[0] == 200
        assert (await get(f"{server.url}/login", {"Host": "localhost"}))[0] == 421
        assert (await get(f"{server.url}/login"))[0] == 421  # 127.0.0.1 is no longer listed


async def test_metrics_are_open_to_the_allowed_networks_only(env, database_url, admin_token):
    async with running_app(load_settings(env), database_url) as server:
        assert (await get(f"{server.url}/metrics"))[0] == 200  # loopback, the default
    settings = load_settings({**env, "PEIL_METRICS_ALLOW": "10.0.0.0/8"})
    async with running_app(settings, database_url) as server:
        assert (await get(f"{server.url}/metrics"))[0] == 401
        # X-Forwarded-For from a peer that is no trusted proxy changes nothing.
        assert (await get(f"{server.url}/metrics", {"X-Forwarded-For": "10.1.2.3"}))[0] == 401
        auth = {"Authorization": f"Bearer {admin_token}"}
        status, _, text = await get(f"{server.url}/metrics", auth)
        assert status == 200 and b"peil_" in text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/login"),
        ("GET", "/peil.js"),
        ("GET", "/healthz"),
        ("GET", "/api/sites"),  # 401
        ("GET", "/no/such/page"),  # aiohttp's own 404
        ("POST", "/api/events"),  # 400
        ("DELETE", "/login"),  # 405
    ],
)
async def test_every_answer_hides_the_version_and_forbids_sniffing(server, method, path):
    _, headers, _ = await get(f"{server.url}{path}", method=method)
    assert headers["Server"] == "Peil"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in headers  # plain http: HSTS would be a lie


async def test_under_https_the_session_cookie_is_host_bound_and_hsts_is_sent(
    env, database_url, admin_token
):
    settings = load_settings({**env, "PEIL_PUBLIC_URL": "https://stats.example.nl"})
    async with running_app(settings, database_url) as server:
        _, headers, _ = await get(f"{server.url}/healthz")
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        async with aiohttp.ClientSession() as http:
            # The client speaks http to a server configured for https: it would not send
            # Secure cookies back, so they are sent by hand.
            async with http.get(f"{server.url}/login") as page:
                login = page.cookies["__Host-peil_login"]
                assert "Secure" in login.output()
                csrf = csrf_of(await page.text())
            async with http.post(
                f"{server.url}/login",
                data={"email": "admin@hard.nl", "password": PASSWORD, "csrf": csrf},
                headers={"Cookie": f"__Host-peil_login={login.value}"},
                allow_redirects=False,
            ) as response:
                assert response.status == 303
                cookie = response.headers.getall("Set-Cookie")
                value = response.cookies["__Host-peil_session"].value
        (cookie,) = [c for c in cookie if c.startswith("__Host-peil_session=")]
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        sent = {"Cookie": f"__Host-peil_session={value}"}
        assert (await get(f"{server.url}/api/session", sent))[0] == 200
        plain = {"Cookie": f"peil_session={value}"}
        assert (await get(f"{server.url}/api/session", plain))[0] == 401


async def test_a_proxys_basic_credentials_pass_through_to_the_session(server, admin_token):
    async with cookie_session() as http:
        assert (await log_in(http, server.url, "admin@hard.nl", PASSWORD)).status == 303
        basic = {"Authorization": "Basic dXNlcjpwYXNz"}  # added by a proxy in front
        async with http.get(f"{server.url}/", headers=basic, allow_redirects=False) as page:
            assert page.status == 200
        async with http.get(f"{server.url}/api/sites", headers=basic) as api:
            assert api.status == 200


async def test_metrics_through_an_untrusted_proxy_are_not_local(server):
    # Loopback may read /metrics; a loopback proxy passing a stranger on may not.
    assert (await get(f"{server.url}/metrics"))[0] == 200
    for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
        assert (await get(f"{server.url}/metrics", header))[0] == 401


async def test_an_ended_session_sends_the_page_to_the_login_form(server, database_url):
    async with cookie_session() as http:
        assert (await log_in(http, server.url, "viewer@hard.nl", PASSWORD)).status == 303
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "DELETE FROM sessions WHERE user_id = (SELECT id FROM users"
                " WHERE email = 'viewer@hard.nl')"
            )
        finally:
            await conn.close()
        async with http.get(f"{server.url}/", allow_redirects=False) as page:
            assert page.status == 303 and page.headers["Location"] == "/login"
            assert 'peil_session=""' in page.headers["Set-Cookie"]
        async with http.get(f"{server.url}/api/sites") as api:
            assert api.status == 401  # an API caller gets the reason, not a redirect


async def test_under_https_logout_deletes_the_cookie_as_it_was_set(env, database_url):
    settings = load_settings({**env, "PEIL_PUBLIC_URL": "https://stats.example.nl"})
    async with running_app(settings, database_url) as server, aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/login") as page:
            login = page.cookies["__Host-peil_login"].value
            csrf = csrf_of(await page.text())
        async with http.post(
            f"{server.url}/login",
            data={"email": "admin@hard.nl", "password": PASSWORD, "csrf": csrf},
            headers={"Cookie": f"__Host-peil_login={login}"},
            allow_redirects=False,
        ) as response:
            session = response.cookies["__Host-peil_session"].value
        cookie = {"Cookie": f"__Host-peil_session={session}"}
        async with http.get(f"{server.url}/api/session", headers=cookie) as me:
            csrf = (await me.json())["csrf"]
        async with http.post(
            f"{server.url}/logout",
            headers={**cookie, "X-CSRF-Token": csrf},
            allow_redirects=False,
        ) as out:
            assert out.status == 303
            (deletion,) = [
                c for c in out.headers.getall("Set-Cookie") if c.startswith("__Host-peil_session")
            ]
    # A browser ignores the deletion of a Secure cookie that does not say Secure.
    assert "Secure" in deletion and "Max-Age=0" in deletion and "Path=/" in deletion
