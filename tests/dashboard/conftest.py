"""Fixtures of the stats API tests: an admin with an API token, a GET helper, and one
headless Chromium per module for the page tests."""

from __future__ import annotations

import aiohttp
import asyncpg
import orjson
import pytest

from tests.support.accounts import add_account, add_token
from tests.support.browser import chromium
from tests.support.dashboard_data import EMAIL, PASSWORD


@pytest.fixture(scope="module")
async def token(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        await add_account(conn, EMAIL, PASSWORD, role="admin")
        return (await add_token(conn, EMAIL))[1]
    finally:
        await conn.close()


@pytest.fixture
def get(server, token):
    """GET an API path with the token; (status, JSON body)."""

    async def call(path: str, auth: str | None = "token", **params: object):
        headers = {"Authorization": f"Bearer {token}"} if auth == "token" else {}
        query = {k: str(v) for k, v in params.items()}
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{server.url}{path}", params=query, headers=headers) as response,
        ):
            return response.status, orjson.loads(await response.read())

    return call


@pytest.fixture(scope="module")
async def browser():
    """A headless Chromium shared by the tests of one module."""
    async with chromium() as b:
        yield b
