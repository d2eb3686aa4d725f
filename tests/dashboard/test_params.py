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
    ("/api/stats/breakdown", {"by": "password"}, "'by' must be one of page, referrer"),
    ("/api/stats/breakdown", {"by": "page", "limit": "0"}, "'limit'"),
    ("/api/stats/breakdown", {"by": "page", "limit": "1001"}, "1 to 1000"),
    ("/api/stats/breakdown", {"by": "page", "limit": "ten"}, "'limit'"),
    ("/api/stats/clicks", {"url": "javascript:alert(1)"}, "'url'"),
    ("/api/stats/clicks", {"url": "/" + "a" * 3000}, "'url'"),
    ("/api/stats/realtime", {"from": "2025-01-01"}, "Unknown parameter 'from'"),
    ("/api/export", {"format": "xlsx"}, "csv, ndjson"),
]


@pytest.fixture(scope="module")
async def site_key(database_url):
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        return (await add_site(conn, "Params"))["key"]
    finally:
        await conn.close()


@pytest.mark.parametrize(("path", "params", "words"), CASES)
async def test_a_bad_parameter_answers_400_with_a_clear_message(get, site_key, path, params, words):
    sent = {k: v for k, v in {"site": site_key, **params}.items() if v is not None}
    status, body = await get(path, **sent)
    assert status == 400
    assert words in body["error"]


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
