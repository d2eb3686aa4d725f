"""Settings in a real Chromium, end to end through the admin API: a site added in the
form exists in the database and its snippet is shown; a token is shown once, works,
and answers 401 once revoked; users and goals are added and removed; the privacy
statement is the API's; a viewer sees no settings and the admin API refuses them."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import asyncpg
import pytest

from tests.support.accounts import add_account
from tests.support.browser import DESKTOP, dashboard_tab
from tests.support.dashboard_data import add_events, add_site, fold

ADMIN_EMAIL, VIEWER_EMAIL, PASSWORD = "boss@settings.nl", "reader@settings.nl", "settings pass 1"


@pytest.fixture(scope="module")
async def world(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Settings test")
        await add_account(conn, ADMIN_EMAIL, PASSWORD, role="admin")
        await add_account(conn, VIEWER_EMAIL, PASSWORD, role="viewer", sites=[site["key"]])
        return {"site": site}
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def admin(browser, server, world):
    tab = await dashboard_tab(
        browser, server.url, ADMIN_EMAIL, PASSWORD, DESKTOP, accept_dialogs=True
    )
    yield tab
    await tab.context.close()


async def open_tab(tab, server, world, name: str) -> None:
    key = world["site"]["key"]
    await tab.page.goto(f"{server.url}/?view=settings&site={key}&tab={name}")
    await tab.page.wait_for_selector(f'body[data-loaded^="settings {key} "]')
    await tab.page.wait_for_selector(f".tabs a[data-tab={name}][aria-current=page]")


async def test_a_site_added_in_the_form_exists_and_shows_its_snippet(server, world, admin, db):
    await open_tab(admin, server, world, "sites")
    form = admin.page.locator("form[aria-label='Add a site']")
    await form.locator("[name=name]").fill("Brand new")
    await form.locator("[name=domains]").fill("new.example.nl, www.new.example.nl")
    await form.locator("[name=timezone]").fill("Europe/Amsterdam")
    await form.locator("[name=consent]").select_option("required")
    await form.locator("[name=contact]").fill("privacy@new.example.nl")
    await form.locator("button[type=submit]").click()
    created = admin.page.locator(".card.created")
    await created.wait_for()
    row = await db.fetchrow("SELECT * FROM sites WHERE name = 'Brand new'")
    assert row is not None
    assert list(row["domains"]) == ["new.example.nl", "www.new.example.nl"]
    assert (row["timezone"], row["consent"]) == ("Europe/Amsterdam", "required")
    snippet = await created.locator("pre").text_content()
    assert f'data-site="{row["key"]}"' in snippet and 'data-consent="required"' in snippet
    # The header's site picker knows it at once.
    assert row["key"] in await admin.page.locator("#site option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    # Waiting for the first event, green once one has arrived (checked every 10 s).
    waiting = created.locator(f".waiting[data-waiting='{row['key']}']")
    assert (await waiting.text_content()).startswith("Waiting for the first event")
    now = datetime.now(UTC)
    await add_events(db, row, {"ts": now, "visitor": 1, "t": "pageview", "path": "/"})
    await fold(db, row)
    await admin.page.wait_for_selector(".card.created .waiting.arrived", timeout=15000)
    assert await waiting.text_content() == "The first event has arrived."
    # Edited: domains, retention, time zone and consent mode.
    item = admin.page.locator(f"details.site-item[data-key='{row['key']}']")
    await item.evaluate("details => { details.open = true; }")
    edit = item.locator("form")
    await edit.locator("[name=domains]").fill("edited.example.nl")
    await edit.locator("[name=retention_days]").fill("90")
    await edit.locator("[name=timezone]").fill("UTC")
    await edit.locator("[name=consent]").select_option("none")
    await edit.locator("button[type=submit]").click()
    await admin.page.wait_for_selector(".form-status.ok >> text=Saved Brand new.")
    row = await db.fetchrow("SELECT * FROM sites WHERE id = $1", row["id"])
    assert list(row["domains"]) == ["edited.example.nl"]
    assert (row["retention_days"], row["timezone"], row["consent"]) == (90, "UTC", "none")
    # Removed, after the confirmation (accepted by the fixture).
    item = admin.page.locator(f"details.site-item[data-key='{row['key']}']")
    await item.evaluate("details => { details.open = true; }")
    await item.locator("button.danger").click()
    await admin.page.wait_for_selector(".form-status.ok >> text=Removed Brand new")
    assert await db.fetchval("SELECT count(*) FROM sites WHERE id = $1", row["id"]) == 0
    assert admin.errors == []


async def test_a_token_is_shown_once_works_and_answers_401_once_revoked(server, world, admin):
    await open_tab(admin, server, world, "tokens")
    form = admin.page.locator("form[aria-label='Create a token']")
    await form.locator("[name=name]").fill("weekly report")
    await form.locator("button[type=submit]").click()
    shown = admin.page.locator(".card.created code.secret")
    await shown.wait_for()
    token = (await shown.text_content()).strip()
    token_id = await admin.page.locator(".card.created").get_attribute("data-token")

    async def status_with_token() -> int:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{server.url}/api/sites", headers=headers) as response,
        ):
            return response.status

    assert await status_with_token() == 200
    await open_tab(admin, server, world, "tokens")  # shown once: not after a reload
    assert await admin.page.locator(".card.created").count() == 0
    assert token not in await admin.page.text_content("main")
    await admin.page.click(f"button[data-token='{token_id}']")
    await admin.page.wait_for_selector(f"button[data-token='{token_id}']", state="detached")
    assert await status_with_token() == 401


async def test_users_are_added_with_a_role_and_sites_and_removed(server, world, admin, db):
    await open_tab(admin, server, world, "users")
    form = admin.page.locator("form[aria-label='Add a user']")
    await form.locator("[name=email]").fill("new.viewer@settings.nl")
    await form.locator("[name=password]").fill("a long password")
    await form.locator(f"input[name=sites][value={world['site']['key']}]").check()
    await form.locator("button[type=submit]").click()
    item = admin.page.locator("details[data-email='new.viewer@settings.nl']")
    await item.wait_for()
    sites = await db.fetchval(
        "SELECT array_agg(s.key) FROM users u JOIN site_grants g ON g.user_id = u.id"
        " JOIN sites s ON s.id = g.site_id WHERE u.email = 'new.viewer@settings.nl'"
    )
    assert sites == [world["site"]["key"]]
    await item.locator("select[name=role]").select_option("admin")
    await item.locator("form[aria-label^='Role'] button").click()
    await admin.page.wait_for_selector("text=new.viewer@settings.nl is now admin.")
    role = "SELECT role FROM users WHERE email = 'new.viewer@settings.nl'"
    assert await db.fetchval(role) == "admin"
    item = admin.page.locator("details[data-email='new.viewer@settings.nl']")
    await item.locator("button.danger").click()
    await admin.page.wait_for_selector("text=Removed new.viewer@settings.nl.")
    assert await db.fetchval(role) is None


async def test_goals_are_added_and_removed(server, world, admin, db):
    await open_tab(admin, server, world, "goals")
    form = admin.page.locator("form[aria-label='Add a goal']")
    await form.locator("[name=name]").fill("Signed up")
    await form.locator("[name=kind]").select_option("event")
    await form.locator("[name=match]").fill("signup")
    await form.locator("button[type=submit]").click()
    await admin.page.wait_for_selector("text=Added the goal Signed up.")
    goal = "SELECT kind, match FROM goals WHERE site_id = $1 AND name = 'Signed up'"
    assert tuple(await db.fetchrow(goal, world["site"]["id"])) == ("event", "signup")
    await admin.page.click("button[aria-label='Remove the goal Signed up']")
    await admin.page.wait_for_selector("text=Removed the goal Signed up.")
    assert await db.fetchrow(goal, world["site"]["id"]) is None


async def test_privacy_shows_the_apis_statement_and_the_audit_trail(server, world, admin):
    key = world["site"]["key"]
    await open_tab(admin, server, world, "privacy")
    response = await admin.page.request.get(
        f"{server.url}/api/admin/privacy/statement?site={key}&lang=nl&format=md"
    )
    assert await admin.page.text_content("pre.statement") == await response.text()
    await admin.page.select_option("select[name=lang]", "en")
    await admin.page.wait_for_url("**lang=en**")
    await admin.page.wait_for_selector("pre.statement:has-text('Personal data')")
    trail = await admin.page.locator("section:has(h2:text('Audit trail')) tbody").text_content()
    assert "site-add" in trail or "sites-add" in trail or ADMIN_EMAIL in trail
    # A change without the CSRF token is refused, even from the logged-in page.
    refused = await admin.page.request.post(
        f"{server.url}/api/admin/tokens", data={"name": "x"}, headers={"X-CSRF-Token": ""}
    )
    assert refused.status == 403


async def test_a_viewer_sees_no_settings_and_the_admin_api_refuses_them(browser, server, world):
    tab = await dashboard_tab(browser, server.url, VIEWER_EMAIL, PASSWORD, DESKTOP)
    try:
        key = world["site"]["key"]
        await tab.page.goto(f"{server.url}/?view=settings&site={key}")
        await tab.page.wait_for_selector(f'body[data-loaded^="overview {key} "]')
        assert await tab.page.locator("nav#views a[data-view=settings]").count() == 0
        assert await tab.page.locator(".tabs").count() == 0
        for path in ("/api/admin/sites", "/api/admin/users", "/api/admin/tokens"):
            assert (await tab.page.request.get(server.url + path)).status == 403
        assert tab.errors == []
    finally:
        await tab.context.close()
