"""The dashboard page in a real Chromium: log in through the form, see the
numbers of the API, and tracked strings that look like markup stay text
under a strict Content-Security-Policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import asyncpg
import pytest

from tests.support.browser import chromium
from tests.support.dashboard_data import (
    EMAIL,
    EXAMPLE_DAY,
    PASSWORD,
    add_events,
    add_site,
    at,
    fold,
)

HOSTILE_PATH = "/<img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture(scope="module")
async def shown_site(database_url, token):  # token: creates the dashboard user
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Page test")
        events = [
            {"ts": at(EXAMPLE_DAY, "10:00"), "visitor": 1, "t": "pageview", "path": "/"},
            {"ts": at(EXAMPLE_DAY, "10:01"), "visitor": 1, "t": "pageview", "path": HOSTILE_PATH},
            {"ts": at(EXAMPLE_DAY, "11:00"), "visitor": 2, "t": "pageview", "path": "/"},
            {
                "ts": at(EXAMPLE_DAY, "11:00:05"),
                "visitor": 2,
                "t": "click",
                "path": "/",
                "el": "button#buy",
                "x": 0.5,
                "y": 120,
            },
        ]
        await add_events(conn, site, *events)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def test_without_login_the_page_sends_to_the_login_form(server):
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.url}/", allow_redirects=False) as response,
    ):
        assert response.status == 303
        assert response.headers["Location"] == "/login"


async def test_logged_in_dashboard_shows_the_api_numbers_as_text(server, shown_site, get):
    status, overview = await get(
        "/api/stats/overview",
        site=shown_site["key"],
        **{"from": EXAMPLE_DAY.isoformat(), "to": EXAMPLE_DAY.isoformat()},
    )
    assert status == 200 and overview["pageviews"] == 3

    async with chromium() as browser:
        page = await browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{server.url}/")
        assert page.url.endswith("/login")
        await page.fill("input[name=email]", EMAIL)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{server.url}/")
        response = await page.request.get(f"{server.url}/")
        assert "script-src 'self'" in response.headers["content-security-policy"]

        await page.select_option("#site", shown_site["key"])
        await page.select_option("#period", "90")
        # The page's CSP forbids eval, so wait on an attribute, not a JS predicate;
        # data-loaded names the site and days the page shows completely.
        today = datetime.now(UTC).date()  # the site's time zone is UTC
        shown = f"{shown_site['key']} {today - timedelta(days=89)} {today}"
        await page.wait_for_selector(f'body[data-loaded="{shown}"]')
        assert await page.text_content("#pageviews") == "3"
        assert await page.text_content("#visitors") == "2"
        pages = page.locator(".breakdown[data-by=page] td.key")
        assert sorted(await pages.all_text_contents()) == sorted(["/", HOSTILE_PATH])
        assert await page.locator("img").count() == 0  # the path stayed text
        assert await page.title() == "Peil"
        assert await page.locator("#click-elements td").first.text_content() == "button#buy"
        assert await page.locator("#series polyline").count() == 2
        href = await page.get_attribute("#export-csv", "href")
        assert href.startswith(f"/api/export?site={shown_site['key']}&")
        assert errors == []
