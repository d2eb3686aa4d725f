"""Authentication of the stats API: Bearer tokens, the login session cookie
(HttpOnly, SameSite=Strict), logout, cross-site posts, 401 and 404."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.accounts import cookie_session, login_form_csrf
from tests.support.dashboard_data import EMAIL, PASSWORD, add_site

OVERVIEW = "/api/stats/overview"


@pytest.fixture(scope="module")
async def site(database_url):
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        return await add_site(conn, "Auth")
    finally:
        await conn.close()


async def status_of(server, path, headers=None, cookies=None):
    async with (
        aiohttp.ClientSession(cookies=cookies) as http,
        http.get(f"{server.url}{path}", headers=headers or {}) as response,
    ):
        return response.status, await response.json()


async def log_in(http, server, password=PASSWORD, origin=None):
    headers = {"Origin": origin} if origin else {}
    csrf = await login_form_csrf(http, server.url)
    return await http.post(
        f"{server.url}/login",
        data={"email": EMAIL, "password": password, "csrf": csrf},
        headers=headers,
        allow_redirects=False,
    )


async def test_without_credentials_the_api_answers_401(server, site, token):
    status, body = await status_of(server, f"{OVERVIEW}?site={site['key']}")
    assert status == 401
    assert "Bearer" in body["error"]


@pytest.mark.parametrize("header", ["Bearer peil_wrong", "Bearer ", "Basic abc", "peil_x"])
async def test_a_bad_authorization_header_answers_401(server, site, token, header):
    status, body = await status_of(
        server, f"{OVERVIEW}?site={site['key']}", {"Authorization": header}
    )
    assert status == 401
    assert body["error"]


async def test_a_token_from_peil_tokens_create_is_accepted(server, site, token):
    status, _ = await status_of(
        server, f"{OVERVIEW}?site={site['key']}", {"Authorization": f"Bearer {token}"}
    )
    assert status == 200


async def test_an_unknown_site_answers_404(get, token):
    status, body = await get(OVERVIEW, site="nosuchsite1")
    assert status == 404
    assert "nosuchsite1" in body["error"]


async def test_login_sets_a_strict_httponly_session_cookie_that_authenticates(server, site):
    jar = aiohttp.CookieJar(unsafe=True)  # 127.0.0.1 is an IP address
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        response = await log_in(http, server)
        assert response.status == 303
        assert response.headers["Location"] == "/"
        (cookie,) = [
            c for c in response.headers.getall("Set-Cookie") if c.startswith("peil_session=")
        ]
        assert cookie.startswith("peil_session=")
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Path=/" in cookie
        async with http.get(f"{server.url}{OVERVIEW}?site={site['key']}") as answer:
            assert answer.status == 200
        async with http.get(f"{server.url}/api/session") as me:
            csrf = (await me.json())["csrf"]
        async with http.post(
            f"{server.url}/logout", data={"csrf": csrf}, allow_redirects=False
        ) as out:
            assert out.status == 303
        old = {"peil_session": response.cookies["peil_session"].value}
    status, _ = await status_of(server, f"{OVERVIEW}?site={site['key']}", cookies=old)
    assert status == 401  # the session ended on the server, not only in the browser


async def test_a_wrong_password_sets_no_session_cookie(server):
    async with cookie_session() as http:
        response = await log_in(http, server, password="not the password")
        assert response.status == 401
        assert "peil_session" not in response.headers.get("Set-Cookie", "")
        assert "Wrong email or password" in await response.text()


async def test_a_login_posted_from_another_site_is_refused(server):
    async with cookie_session() as http:
        response = await log_in(http, server, origin="https://evil.example")
        assert response.status == 403
        assert "peil_session" not in response.headers.get("Set-Cookie", "")


async def test_the_login_page_runs_no_script_under_a_strict_csp(server):
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/login") as response:
        page = await response.text()
        csp = response.headers["Content-Security-Policy"]
    assert response.status == 200
    assert "<script" not in page
    assert "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "form-action 'self'" in csp
