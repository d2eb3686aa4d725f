"""The dashboard page's shell in a real Chromium: the login form in the dashboard's
style (keeping the email after a wrong password), the CSP of the page (its own
script only; frames only of the sites' domains), the error at the top with the old
numbers cleared when the server goes away, the snippet in place of empty tables
for a site without data, and logging out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from tests.support.accounts import add_account
from tests.support.app import running_app
from tests.support.browser import DESKTOP, PHONE, SHOTS, dashboard_tab
from tests.support.dashboard_data import add_events, add_site, at, fold

EMAIL, PASSWORD = "shell@example.nl", "shell password 1"


@pytest.fixture(scope="module")
async def sites(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        await add_account(conn, EMAIL, PASSWORD, role="admin")
        full = await add_site(conn, "A with data")
        empty = await add_site(conn, "B without data")
        await conn.execute(
            "UPDATE sites SET domains = '{www.example.nl,localhost}' WHERE id = $1", full["id"]
        )
        day = datetime.now(UTC).date() - timedelta(days=1)
        await add_events(
            conn,
            full,
            {"ts": at(day, "10:00"), "visitor": 1, "t": "pageview", "path": "/"},
            {"ts": at(day, "10:05"), "visitor": 2, "t": "pageview", "path": "/a"},
        )
        await fold(conn, full)
        return {"full": full, "empty": empty}
    finally:
        await conn.close()


def last_30() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    return (today - timedelta(days=29)).isoformat(), today.isoformat()


async def test_without_login_the_page_sends_to_the_login_form(server):
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{server.url}/", allow_redirects=False) as response,
    ):
        assert response.status == 303
        assert response.headers["Location"] == "/login"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_login_page_is_styled_and_keeps_the_email(server, sites, browser, viewport):
    context = await browser.new_context(viewport=viewport)
    try:
        page = await context.new_page()
        await page.goto(f"{server.url}/login")
        assert await page.locator("link[href='/dashboard.css']").count() == 1
        width = await page.evaluate("() => getComputedStyle(document.querySelector('main')).width")
        assert float(width.removesuffix("px")) <= 24 * 16  # the card, not the bare form
        await page.fill("input[name=email]", EMAIL)
        await page.fill("input[name=password]", "wrong password here")
        await page.click("button[type=submit]")
        await page.wait_for_selector("[role=alert]")
        assert await page.input_value("input[name=email]") == EMAIL
        name = "desktop" if viewport is DESKTOP else "phone"
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"login-{name}.png"))
    finally:
        await context.close()


async def test_the_page_allows_its_own_script_and_frames_of_its_sites_only(server, sites, browser):
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD)
    try:
        response = await tab.page.request.get(f"{server.url}/")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe" not in csp
        assert csp.endswith(
            "; frame-src http://localhost:* https://localhost:* https://www.example.nl"
        )
        html = await response.text()
        assert "<script>" not in html and " style=" not in html
        vendor = await tab.page.request.get(f"{server.url}/ui/uPlot-1.6.32.iife.min.js")
        assert "immutable" in vendor.headers["cache-control"]
        assert (await tab.page.request.get(f"{server.url}/ui/nothing.js")).status == 404
    finally:
        await tab.context.close()


async def test_when_the_server_goes_away_the_error_is_on_top_and_old_numbers_go(
    settings, database_url, sites, browser
):
    first, last = last_30()
    key = sites["full"]["key"]
    async with running_app(settings, database_url) as app:
        tab = await dashboard_tab(browser, app.url, EMAIL, PASSWORD, PHONE)
        try:
            await tab.show(app.url, f"?site={key}", f"overview {key} {first} {last}")
            assert await tab.page.locator(".tile").count() == 5
            await app.runner.cleanup()  # the server is away
            await tab.page.select_option("#range", "7d")
            error = tab.page.locator("#error")
            await error.wait_for()
            assert "not answering" in await error.text_content()
            box = await error.bounding_box()
            assert box["y"] < 844  # at the top, in view on a phone
            assert await tab.page.locator(".tile").count() == 0  # no old numbers under 7 days
            assert await tab.page.locator("body[data-loaded]").count() == 0
            await tab.screenshot("server-away-phone")
        finally:
            await tab.context.close()


async def test_an_empty_site_shows_its_snippet_instead_of_tables(
    server, sites, browser, database_url
):
    first, last = last_30()
    key = sites["empty"]["key"]
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD)
    try:
        for view in ("overview", "pages"):
            await tab.show(server.url, f"?view={view}&site={key}", f"{view} {key} {first} {last}")
            snippet = await tab.page.locator(".empty-site pre").text_content()
            assert f'data-site="{key}"' in snippet and "/peil.js" in snippet
            assert await tab.page.locator("main table").count() == 0
        await tab.screenshot("empty-site-desktop")
        conn = await asyncpg.connect(database_url)
        try:
            now = datetime.now(UTC) - timedelta(minutes=1)
            await add_events(conn, sites["empty"], {"ts": now, "visitor": 9, "t": "pageview"})
            await fold(conn, sites["empty"])
        finally:
            await conn.close()
        await tab.page.reload()
        await tab.shown(f"pages {key} {first} {last}")
        assert await tab.page.locator(".empty-site").count() == 0
        assert await tab.page.locator("main table").count() == 1
        assert tab.errors == []
    finally:
        await tab.context.close()


async def test_log_out_posts_the_csrf_token_and_ends_the_session(server, sites, browser):
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD)
    try:
        first, last = last_30()
        key = sites["full"]["key"]
        await tab.show(server.url, f"?site={key}", f"overview {key} {first} {last}")
        await tab.page.click("form.logout button")
        await tab.page.wait_for_url(f"{server.url}/login")
        assert (await tab.page.request.get(f"{server.url}/api/session")).status == 401
    finally:
        await tab.context.close()


async def test_the_page_with_its_modules_and_uplot_stays_small(server, sites, browser):
    """What a first visit of the overview transfers (gzipped), the API's JSON aside."""
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD)
    try:
        responses = []
        tab.page.on("response", lambda r: responses.append(r))
        first, last = last_30()
        key = sites["full"]["key"]
        await tab.show(server.url, f"?site={key}", f"overview {key} {first} {last}")
        files = [r for r in responses if "/api/" not in r.url]
        assert {r.url.rsplit("/", 1)[1] for r in files} >= {
            "dashboard.js",
            "dashboard.css",
            "uPlot-1.6.32.iife.min.js",
            "view-overview.js",
        }
        assert all(
            r.headers.get("content-encoding") == "gzip"
            for r in files
            if r.url.endswith((".js", ".css"))
        )  # not the page: it holds the CSRF token (no compression next to a secret)
        total = sum(int(r.headers.get("content-length", 0)) for r in files)
        print(f"overview: {len(files)} files, {total} bytes transferred")
        assert total < 60_000
    finally:
        await tab.context.close()


# ---- WCAG AA contrast of the stylesheet's text colours ------------------------

CSS = Path(__file__).resolve().parents[2] / "dashboard" / "static" / "dashboard.css"
# Text colours and the backgrounds they are drawn on (tables' bars, hovered rows,
# the error and "created" boxes included); "#fff"/"#0b1020" is the buttons' text.
TEXTS = ["ink", "muted", "accent", "bad", "ok"]
GROUNDS = ["bg", "card", "bar", "hover", "bad-bg", "ok-bg"]


def palette(block: str) -> dict[str, str]:
    found = re.findall(r"--([\w-]+):\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", block)
    long = {name: hex if len(hex) == 6 else "".join(c * 2 for c in hex) for name, hex in found}
    return {name: "#" + hex for name, hex in long.items()}


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_meet_wcag_aa_in_light_and_dark_mode():
    css = CSS.read_text("utf-8")
    light = palette(css.split("@media (prefers-color-scheme: dark)")[0])
    dark = {**light, **palette(css.split("@media (prefers-color-scheme: dark)")[1].split("}")[0])}
    for mode, colours, on_accent in (("light", light, "#ffffff"), ("dark", dark, "#0b1020")):
        low = [
            (mode, fg, bg, round(contrast(colours[fg], colours[bg]), 2))
            for fg in TEXTS
            for bg in GROUNDS
            if contrast(colours[fg], colours[bg]) < 4.5
        ]
        assert low == [], low
        assert contrast(on_accent, colours["accent"]) >= 4.5, mode
    # Faded text loses its contrast: states are marked otherwise (disabled buttons
    # and the moment a view loads aside, which WCAG does not count).
    faded = re.findall(r"([^{}]+)\{[^}]*\bopacity:\s*\.?\d", css)
    assert sorted(s.strip() for s in faded) == ["button:disabled", "main.loading"], faded
