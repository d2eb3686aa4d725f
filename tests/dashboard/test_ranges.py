"""The date ranges of the dashboard in a real Chromium: each preset (today, yesterday,
7 days, 30 days, this month, last month, 12 months) and a custom range, chosen in the
header, put their range (or from and to) in the URL, survive a reload, and show the
API's numbers for exactly the days they name. The days are computed here, in Python,
from the site's time zone; the site is at UTC+14 and the browser at UTC-10, so a page
that used the browser's or UTC's date would be a day off at any time of day. Also
resolve() of lib-dates.js, imported into the page, on leap days and month and year
ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from collector.accounts.principal import ADMIN
from tests.support.accounts import add_account
from tests.support.browser import DESKTOP, dashboard_tab
from tests.support.dashboard_data import add_events, add_site, fold

EMAIL, PASSWORD = "ranges@example.nl", "ranges password 1"
SITE_ZONE = "Pacific/Kiritimati"  # UTC+14, no DST
BROWSER_ZONE = "Pacific/Pago_Pago"  # UTC-11, no DST: never the site's date
PRESETS = ["today", "yesterday", "7d", "30d", "month", "lastmonth", "12mo"]


def first_of_month(day: date, back: int = 0) -> date:
    """The first day of `day`'s month, `back` months earlier."""
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def a_year_before(day: date) -> date:
    """The same date a year earlier (Feb 29: Feb 28)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def expected_days(preset: str, today: date) -> tuple[date, date]:
    """(first, last) day of a preset on `today`, both included: the contract's ranges,
    written independently of lib-dates.js."""
    one = timedelta(days=1)
    return {
        "today": (today, today),
        "yesterday": (today - one, today - one),
        "7d": (today - 6 * one, today),
        "30d": (today - 29 * one, today),
        "month": (first_of_month(today), today),
        "lastmonth": (first_of_month(today, 1), first_of_month(today) - one),
        "12mo": (a_year_before(today) + one, today),
    }[preset]


def site_today() -> date:
    return datetime.now(ZoneInfo(SITE_ZONE)).date()


def data_days(today: date) -> dict[date, int]:
    """The days that get pageviews, with how many: each range's edges and the days
    just outside them, so an off-by-one day changes the numbers."""
    one = timedelta(days=1)
    edges = {today, today - one, today - 2 * one}
    for preset in PRESETS:
        first, last = expected_days(preset, today)
        edges |= {first, first - one, last}
    edges |= {today - 35 * one, today - 200 * one}
    return {day: i % 3 + 1 for i, day in enumerate(sorted(edges))}


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        await add_account(conn, EMAIL, PASSWORD, role=ADMIN)
        site = await add_site(conn, "Ranges test", timezone=SITE_ZONE)
        zone = ZoneInfo(SITE_ZONE)
        now = datetime.now(UTC).replace(microsecond=0)
        today = site_today()
        events, visitor = [], 0
        for day, count in data_days(today).items():
            # Noon of the day in the site's zone; today: a minute after midnight or now.
            clock = time(12) if day != today else time(0, 1)
            ts = min(datetime.combine(day, clock, zone).astimezone(UTC), now)
            for i in range(count):
                visitor += 1
                events.append({"ts": ts + timedelta(seconds=i), "visitor": visitor,
                               "t": "pageview", "path": f"/d{day.isoformat()}",
                               "host": "www.example.nl"})  # fmt: skip
        await add_events(conn, site, *events)
        await fold(conn, site)
        site["days"] = data_days(today)
        site["today"] = today
        return site
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def tab(browser, server, site):
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD, DESKTOP, timezone=BROWSER_ZONE)
    yield tab
    await tab.context.close()


def url_state(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


async def shows_the_apis_numbers(tab, site, get, first: date, last: date) -> None:
    """The overview's tiles and chart are the API's for first..last, and the API's
    pageviews are the dataset's for those days (so the days matter)."""
    span = {"from": first.isoformat(), "to": last.isoformat()}
    status, o = await get("/api/stats/overview", site=site["key"], **span)
    assert status == 200, o
    assert o["pageviews"] == sum(n for d, n in site["days"].items() if first <= d <= last)
    page = tab.page
    assert await page.text_content(".tile[data-tile=Pageviews] dd") == f"{o['pageviews']:,}"
    assert await page.text_content(".tile[data-tile=Visitors] dd") == f"{o['visitors']:,}"
    assert await page.text_content(".tile[data-tile=Visits] dd") == f"{o['visits']:,}"
    rows = page.locator(".chart-figure details tbody td:nth-child(2)")
    assert await rows.count() == len(o["series"])
    assert sum(int(t) for t in await rows.all_text_contents()) == o["pageviews"]


async def test_each_preset_puts_its_range_in_the_url_and_shows_its_days(server, site, get, tab):
    page, key = tab.page, site["key"]
    today = site["today"]
    assert today != datetime.now(ZoneInfo(BROWSER_ZONE)).date()
    # Start elsewhere (a custom range), so choosing each preset changes the page.
    await tab.show(
        server.url, f"?site={key}&range=custom&from=2024-01-01&to=2024-01-02",
        f"overview {key} 2024-01-01 2024-01-02",
    )  # fmt: skip
    seen = set()
    for preset in PRESETS:
        first, last = expected_days(preset, today)
        await page.select_option("#range", preset)
        expect = f"overview {key} {first.isoformat()} {last.isoformat()}"
        await tab.shown(expect)
        state = url_state(page.url)
        # 30 days is the default: its URL names no range; every other preset does.
        assert state.get("range", ["30d"]) == [preset], (preset, page.url)
        if preset == "30d":
            assert "range" not in state
        assert "from" not in state and "to" not in state, page.url
        await shows_the_apis_numbers(tab, site, get, first, last)
        seen.add((first, last))
        # The URL alone brings the same days back.
        await page.reload()
        await tab.shown(expect)
        assert await page.input_value("#range") == preset
        await shows_the_apis_numbers(tab, site, get, first, last)
    assert len(seen) == len(PRESETS)
    assert tab.errors == [] and tab.dialogs == []


async def test_a_custom_range_puts_from_and_to_in_the_url(server, site, get, tab):
    page, key = tab.page, site["key"]
    today = site["today"]
    first, last = today - timedelta(days=36), today - timedelta(days=2)
    await tab.show(server.url, f"?site={key}&range=7d", f"overview {key} "
                   f"{(today - timedelta(days=6)).isoformat()} {today.isoformat()}")  # fmt: skip
    await page.select_option("#range", "custom")
    assert await page.is_visible("#from") and await page.is_visible("#to")
    await page.fill("#from", first.isoformat())
    await page.fill("#to", last.isoformat())
    await page.click("#custom button[type=submit]")
    expect = f"overview {key} {first.isoformat()} {last.isoformat()}"
    await tab.shown(expect)
    state = url_state(page.url)
    assert (state["range"], state["from"], state["to"]) == (
        ["custom"], [first.isoformat()], [last.isoformat()],
    )  # fmt: skip
    await shows_the_apis_numbers(tab, site, get, first, last)
    await page.reload()
    await tab.shown(expect)
    assert await page.input_value("#from") == first.isoformat()
    assert await page.input_value("#to") == last.isoformat()
    await shows_the_apis_numbers(tab, site, get, first, last)
    # From after to: the page swaps them.
    await page.fill("#from", last.isoformat())
    await page.fill("#to", first.isoformat())
    await page.click("#custom button[type=submit]")
    await tab.shown(expect)
    assert tab.errors == [] and tab.dialogs == []


TRICKY_DAYS = [
    "2024-01-01", "2024-01-31", "2024-02-28", "2024-02-29", "2024-03-01", "2024-03-31",
    "2024-12-31", "2025-01-01", "2025-02-28", "2025-03-01", "2026-07-15", "2028-02-29",
]  # fmt: skip


async def test_lib_dates_resolves_every_preset_on_tricky_days(server, site, tab):
    """resolve() itself, on leap days, month ends and year ends (the end-to-end tests
    above run on whatever today is)."""
    await tab.show(server.url, f"?site={site['key']}", f"overview {site['key']} "
                   f"{expected_days('30d', site['today'])[0]} {site['today']}")  # fmt: skip
    answers = await tab.page.evaluate(
        """async ([days, presets]) => {
            const { resolve } = await import("/ui/lib-dates.js");
            return days.map((d) => presets.map((p) => resolve(p, d)));
        }""",
        [TRICKY_DAYS, PRESETS],
    )
    for day, row in zip(TRICKY_DAYS, answers, strict=True):
        today = date.fromisoformat(day)
        for preset, answer in zip(PRESETS, row, strict=True):
            first, last = expected_days(preset, today)
            assert answer == {"from": first.isoformat(), "to": last.isoformat()}, (day, preset)
