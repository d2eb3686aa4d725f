"""Accounts for tests: users with a role and grants, API tokens, and a browser-like
login through the real form (its CSRF token and cookie included)."""

from __future__ import annotations

import re

import aiohttp
import asyncpg

from collector.accounts.passwords import hash_password
from collector.accounts.tokens import create_token
from collector.accounts.users import add_user

ACTOR = "test"
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


async def add_account(
    conn: asyncpg.Connection,
    email: str,
    password: str,
    role: str | None = None,
    sites: list[str] = (),
) -> int:
    info = await add_user(conn, email, hash_password(password), role, list(sites), actor=ACTOR)
    return info.id


async def add_token(
    conn: asyncpg.Connection, email: str, name: str = "", expires_days: int | None = None
) -> tuple[int, str]:
    return await create_token(conn, email, name, expires_days, actor=ACTOR)


def csrf_of(page: str) -> str:
    """The CSRF token a page (login form, dashboard) carries in its meta tag."""
    match = _CSRF_META.search(page)
    assert match, "the page carries no csrf-token meta tag"
    return match[1]


async def login_form_csrf(http: aiohttp.ClientSession, base_url: str) -> str:
    async with http.get(f"{base_url}/login") as response:
        return csrf_of(await response.text())


async def log_in(
    http: aiohttp.ClientSession,
    base_url: str,
    email: str,
    password: str,
    headers: dict[str, str] | None = None,
) -> aiohttp.ClientResponse:
    """POST the login form as a browser would; the response (303 on success)."""
    csrf = await login_form_csrf(http, base_url)
    return await http.post(
        f"{base_url}/login",
        data={"email": email, "password": password, "csrf": csrf},
        headers=headers or {},
        allow_redirects=False,
    )


def cookie_session() -> aiohttp.ClientSession:
    """A client keeping cookies for 127.0.0.1 (aiohttp skips IP hosts unless unsafe)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def admin_client(base_url: str, database_url: str, email: str, password: str):
    """A logged-in admin's client (a new account), sending its session's CSRF token
    with every request; close it after."""
    conn = await asyncpg.connect(database_url)
    try:
        await add_account(conn, email, password, "admin")
    finally:
        await conn.close()
    http = cookie_session()
    assert (await log_in(http, base_url, email, password)).status == 303
    async with http.get(f"{base_url}/api/session") as me:
        http.headers["X-CSRF-Token"] = (await me.json())["csrf"]
    return http
