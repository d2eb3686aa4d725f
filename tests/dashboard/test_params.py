"""Every parameter's error path: 400 with a JSON error naming what is wrong."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.dashboard_data import add_site

CASES = [
    # (path, parameters besides the test site's key (None: left out), words the error must contain)
    ("/api/stats/overview", {"site": None}, "'site'"),
    ("/api/stats/overview", {"site": "Bad Key!"}, "'site'"),
    ("/api/stats/overview", {"from": "2025-1-1"}, "YYYY-MM-DD"),
    ("/api/stats/overview", {"to": "2025-02-30"}, "not a real date"),
    ("/api/stats/overview", {"from": "2025-03-02", "to": "2025-03-01"}, "after"),
    ("/api/stats/overview", {"from": "2000-01-01", "to": "2025-01-01"}, "at most"),
    ("/api/stats/overview", {"bogus": "1"}, "Unknown parameter 'bogus'"),
    ("/api/stats/overview", {"limit": "5"}, "Unknown parameter 'limit'"),
    ("/api/stats/breakdown", {}, "'by' is required"),
    (
        "/api/stats/breakdown",
        {"by": "password"},
        "'by' must be one of entry_page, exit_page, referrer",
    ),
    ("/api/stats/breakdown", {"by": "page", "limit": "0"}, "'limit'"),
    ("/api/stats/breakdown", {"by": "page", "limit": "1001"}, "1 to 1000"),
    ("/api/stats/breakdown", {"by": "page", "limit": "ten"}, "'limit'"),
    ("/api/stats/clicks", {"url": "javascript:alert(1)"}, "'url'"),
    ("/api/stats/clicks", {"url": "/" + "a" * 3000}, "'url'"),
    ("/api/stats/realtime", {"from": "2025-01-01"}, "Unknown parameter 'from'"),
    ("/api/export", {"format": "xlsx"}, "csv, ndjson"),
    # These answered 500 before issue 14 (a NUL reached PostgreSQL; int('²')).
    ("/api/stats/clicks", {"url": "/a\x00b"}, "'url' must not contain NUL"),
    ("/api/stats/clicks", {"url": "https://www.example.nl/\x1b[31m"}, "'url'"),
    ("/api/stats/breakdown", {"by": "page", "limit": "\u00b2"}, "'limit'"),
    ("/api/stats/overview", {"from": "\uff12\uff10\uff12\uff15-01-01"}, "'from'"),
    ("/api/stats/overview", {"site": "abc\n"}, "'site'"),
    ("/api/stats/overview", {"to": "2025-01-01\n"}, "'to'"),
    ("/api/export", {"format": "csv\x00"}, "'format'"),
    ("/api/stats/overview", {"from": "2025-01-01" * 500}, "'from' must be at most"),
]

# On a site in Europe/Amsterdam these answered 500 before issue 14: the bounds of
# the day (or the 30 days before it) overflowed Python's calendar.
EDGE_DAYS = [
    ("/api/stats/overview", {"from": "9999-12-31", "to": "9999-12-31"}, "'from'"),
    ("/api/stats/overview", {"from": "0001-01-01", "to": "0001-01-01"}, "'from'"),
    ("/api/stats/overview", {"to": "0001-01-05"}, "'to'"),
    ("/api/stats/media", {"from": "2025-01-01", "to": "9999-12-31"}, "'to'"),
    ("/api/export", {"from": "9999-12-31", "to": "9999-12-31"}, "'from'"),
    ("/api/export", {"from": "0001-01-01", "to": "0001-01-01"}, "'from'"),
    ("/api/stats/breakdown", {"by": "page", "from": "1969-12-31"}, "1970-01-01 to 9998-12-31"),
]


@pytest.fixture(scope="module")
async def site_key(database_url):
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        return (await add_site(conn, "Params"))["key"]
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def amsterdam_key(database_url):
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        return (await add_site(conn, "Amsterdam", "Europe/Amsterdam"))["key"]
    finally:
        await conn.close()


@pytest.mark.parametrize(("path", "params", "words"), CASES)
async def test_a_bad_parameter_answers_400_with_a_clear_message(get, site_key, path, params, words):
    sent = {k: v for k, v in {"site": site_key, **params}.items() if v is not None}
    status, body = await get(path, **sent)
    assert status == 400
    assert words in body["error"]


@pytest.mark.parametrize(("path", "params", "words"), EDGE_DAYS)
async def test_a_day_beyond_the_supported_years_answers_400(
    get, amsterdam_key, path, params, words
):
    status, body = await get(path, site=amsterdam_key, **params)
    assert status == 400
    assert words in body["error"]


async def test_the_first_and_last_supported_days_answer(server, token, amsterdam_key):
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for path, params in [
            ("/api/stats/overview", {"from": "1970-01-01", "to": "1970-01-01"}),
            ("/api/stats/overview", {"to": "1970-01-05"}),  # the 30 days before: cut at 1970
            ("/api/stats/overview", {"from": "9998-12-31", "to": "9998-12-31"}),
            ("/api/export", {"from": "9998-12-31", "to": "9998-12-31"}),
            ("/api/export", {"from": "1970-01-01", "to": "1970-01-01"}),
        ]:
            sent = {"site": amsterdam_key, **params}
            async with http.get(f"{server.url}{path}", params=sent) as response:
                await response.read()
                assert response.status == 200, (path, params)


async def test_a_repeated_parameter_answers_400(server, token, site_key):
    url = f"{server.url}/api/stats/overview?site={site_key}&site={site_key}"
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as response:
        assert response.status == 400
        assert "only once" in (await response.json())["error"]


async def test_good_parameters_answer_200(get, site_key):
    for path, params in [
        ("/api/stats/overview", {"from": "2025-01-01", "to": "2025-01-31"}),
        ("/api/stats/breakdown", {"by": "screen", "limit": "1000"}),
        ("/api/stats/clicks", {"url": "https://www.example.nl/"}),
        ("/api/stats/media", {"to": "2025-01-31"}),
    ]:
        status, _ = await get(path, site=site_key, **params)
        assert status == 200, path


async def test_missing_dates_default_to_the_last_30_days(get, site_key):
    status, body = await get("/api/stats/overview", site=site_key)
    assert status == 200
    assert len(body["series"]) == 30
