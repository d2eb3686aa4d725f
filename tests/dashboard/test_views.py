"""Every view of the dashboard in a real Chromium, on a known dataset: the numbers
shown are the API's (asked for the same site and days); tracked strings that look
like markup or are `javascript:` URLs stay text on every view (no dialog, no script,
no injected element, no `javascript:` link); the whole state survives a reload and
the back button; and at 390 and 360 px no view (every settings tab included)
scrolls sideways. Screenshots of every view at 1440x900, 390x844 and 360x740 go to
tests.support.browser.SHOTS."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import asyncpg
import orjson
import pytest

from collector.accounts.principal import ADMIN
from tests.support.accounts import add_account
from tests.support.browser import DESKTOP, NARROW, PHONE, dashboard_tab, page_server
from tests.support.dashboard_data import add_events, add_site, fold

EMAIL, PASSWORD = "views@example.nl", "views password 1"
# What a payload would do if it ran: a flag, an alert, a title.
PAYLOAD = "window.pwned=1;alert(1);document.title='pwned'"
HOSTILE = f'<img src=x onerror="{PAYLOAD}">'
HOSTILE_PATH = "/" + HOSTILE
HOSTILE_REF = f'evil.example/"><script>{PAYLOAD}</script>'
HOSTILE_EL = "button" + HOSTILE
JS_URL = "javascript:alert(1)"
# The page of https://host/javascript:alert(1) as ingest stores it (a page URL that is
# itself javascript: stores no path; the raw one is among the pageviews all the same).
JS_PATH = "/" + JS_URL
HOSTILE_PROPS = {JS_URL: JS_URL, HOSTILE: HOSTILE_REF, "plan": JS_URL}
# Media with hostile sources: fewer loads than VIDEO, so VIDEO stays the one shown.
HOSTILE_MEDIA = [{"el": JS_URL, "src": JS_URL, "dur": 50.0},
                 {"el": HOSTILE_EL, "src": HOSTILE_REF, "dur": 50.0}]  # fmt: skip
VIDEO = {"el": "video#intro", "src": "https://cdn.example.nl/intro.mp4", "dur": 100.0}
PEOPLE = [
    {"country": "NL", "region": "NL-NH", "city": "Amsterdam", "browser": "Firefox", "os": "Linux",
     "device": 1, "screen_w": 1920, "screen_h": 1080, "lang": "nl"},
    {"country": "DE", "region": "DE-BE", "city": "Berlin", "browser": "Chrome", "os": "Android",
     "device": 2, "screen_w": 390, "screen_h": 844, "lang": "de"},
    {"country": "BE", "region": "BE-VAN", "city": "Antwerpen", "browser": "Safari", "os": "iOS",
     "device": 3, "screen_w": 820, "screen_h": 1180, "lang": "en"},
]  # fmt: skip
VIEWS = ["overview", "pages", "sources", "locations", "devices", "media", "interactions",
         "events", "errors", "realtime", "settings"]  # fmt: skip


def visit(ts: datetime, visitor: int, *pages: str, ref: str | None = None) -> list[dict]:
    who = PEOPLE[visitor % len(PEOPLE)]
    out = []
    for i, path in enumerate(pages):
        out.append(
            {"ts": ts + timedelta(minutes=i), "visitor": visitor, "t": "pageview", "path": path,
             "host": "localhost", "referrer": ref if i == 0 else None, **who}
        )  # fmt: skip
    return out


def watch(ts: datetime, visitor: int, until: float, ended: bool = False) -> list[dict]:
    who = PEOPLE[visitor % len(PEOPLE)]
    base = {"visitor": visitor, "path": "/tour", **VIDEO, **who}
    events = [
        {**base, "ts": ts, "t": "videoLoad", "pos": 0.0},
        {**base, "ts": ts + timedelta(seconds=1), "t": "play", "pos": 0.0},
        {**base, "ts": ts + timedelta(seconds=20), "t": "seek", "pos": 30.0, "from_pos": 0.0,
         "to_pos": 10.0},
        {**base, "ts": ts + timedelta(seconds=60), "t": "ended" if ended else "pause",
         "pos": until, "from_pos": 30.0},
    ]  # fmt: skip
    return events


def click(ts: datetime, visitor: int, path: str, el: str, x: float, y: int) -> dict:
    return {"ts": ts, "visitor": visitor, "t": "click", "path": path, "el": el, "x": x, "y": y,
            **PEOPLE[visitor % len(PEOPLE)]}  # fmt: skip


def hostile(ts: datetime, visitor: int) -> list[dict]:
    """`javascript:` URLs and markup in every tracked string: page (url), referrer,
    element, media source, event names, prop keys and values, error messages."""
    who = {"visitor": visitor, "host": "localhost", **PEOPLE[visitor % len(PEOPLE)]}
    out = [
        *visit(ts, visitor, JS_URL, HOSTILE_PATH, ref=JS_URL),
        *visit(ts, visitor, JS_PATH),
        {**who, "ts": ts, "t": "click", "path": JS_PATH, "el": JS_URL, "x": 0.3, "y": 50},
        {**who, "ts": ts, "t": "click", "path": JS_PATH, "el": HOSTILE_EL, "x": 0.6, "y": 90},
        {**who, "ts": ts, "t": "click", "path": HOSTILE_PATH, "el": JS_URL, "x": 0.6, "y": 90},
        {**who, "ts": ts, "t": "eleOn", "path": JS_URL, "el": JS_URL},
        {**who, "ts": ts + timedelta(seconds=3), "t": "hover", "path": JS_URL, "el": JS_URL},
        {**who, "ts": ts + timedelta(seconds=4), "t": "eleOff", "path": JS_URL, "el": JS_URL},
        {**who, "ts": ts, "t": "custom", "path": JS_URL, "name": JS_URL,
         "props": orjson.dumps(HOSTILE_PROPS).decode()},
        {**who, "ts": ts, "t": "custom", "path": HOSTILE_PATH, "name": HOSTILE,
         "props": orjson.dumps({HOSTILE_REF: JS_URL}).decode()},
        {**who, "ts": ts, "t": "error", "path": JS_URL, "name": JS_URL, "src": JS_URL},
        {**who, "ts": ts, "t": "error", "path": HOSTILE_PATH, "name": HOSTILE_REF},
    ]  # fmt: skip
    for media in HOSTILE_MEDIA:
        base = {**who, "path": JS_URL, **media}
        out += [
            {**base, "ts": ts, "t": "videoLoad", "pos": 0.0},
            {**base, "ts": ts + timedelta(seconds=1), "t": "play", "pos": 0.0},
            {**base, "ts": ts + timedelta(seconds=5), "t": "click", "pos": 5.0, "x": 0.5, "y": 10},
            {**base, "ts": ts + timedelta(seconds=9), "t": "pause", "pos": 9.0, "from_pos": 0.0},
        ]  # fmt: skip
    return out


@pytest.fixture(scope="module")
async def site(database_url):
    """A site on `localhost` with a few days of pages, media and clicks, hostile strings
    among them, and events of the last minutes for realtime."""
    conn = await asyncpg.connect(database_url)
    try:
        await add_account(conn, EMAIL, PASSWORD, role=ADMIN)
        site = await add_site(conn, "Views test")
        await conn.execute("UPDATE sites SET domains = '{localhost}' WHERE id = $1", site["id"])
        now = datetime.now(UTC).replace(microsecond=0)
        d1, d2 = now - timedelta(days=3), now - timedelta(days=2)
        events = [
            *visit(d1, 1, "/", "/tour", HOSTILE_PATH, ref="www.google.com/"),
            *visit(d1 + timedelta(hours=1), 2, "/", ref=HOSTILE_REF),
            *visit(d2, 3, "/tour", "/plain.html", ref="duckduckgo.com/"),
            *visit(d2 + timedelta(hours=2), 4, "/plain.html"),
            *watch(d1 + timedelta(minutes=2), 1, 100.0, ended=True),
            *watch(d2 + timedelta(minutes=1), 3, 45.0),
            click(d1 + timedelta(minutes=5), 1, "/plain.html", "button#buy", 0.5, 120),
            click(d2 + timedelta(minutes=5), 3, "/plain.html", "button#buy", 0.51, 121),
            click(d2 + timedelta(minutes=6), 4, "/plain.html", HOSTILE_EL, 0.2, 400),
            *visit(now - timedelta(minutes=2), 5, "/", HOSTILE_PATH, JS_URL),
            *hostile(d2 + timedelta(hours=3), 6),
        ]
        await add_events(conn, site, *events)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def desktop(browser, server, site):
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD, DESKTOP)
    yield tab
    await tab.context.close()


@pytest.fixture(scope="module")
async def phone(browser, server, site):
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD, PHONE)
    yield tab
    await tab.context.close()


def days(n: int) -> tuple[str, str]:
    today = datetime.now(UTC).date()  # the site's time zone is UTC
    return (today - timedelta(days=n - 1)).isoformat(), today.isoformat()


async def texts(page, selector: str) -> list[str]:
    return [t.strip() for t in await page.locator(selector).all_text_contents()]


OWN_SCRIPTS = ["/ui/uPlot-1.6.32.iife.min.js", "/dashboard.js"]
# Every element in the page that markup could have added or armed, as [what, detail].
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.startsWith("on")) found.push(["handler", el.tagName + " " + a.name]);
      if (["href", "src", "action", "formaction", "xlink:href"].includes(a.name)
          && /^\\s*javascript:/i.test(a.value)) found.push(["js", el.tagName + " " + a.value]);
    }
  }
  for (const el of document.querySelectorAll("img, object, embed, base, meta[http-equiv]"))
    found.push(["element", el.outerHTML]);
  for (const el of document.querySelectorAll("iframe"))
    if (!/^https?:/.test(el.src)) found.push(["frame", el.src]);
  const scripts = [...document.scripts].map((s) => s.src ? new URL(s.src).pathname : s.text);
  return { found, scripts, pwned: window.pwned === undefined ? null : String(window.pwned),
    jsLinks: document.querySelectorAll("a[href^='javascript' i]").length };
}"""


async def no_markup_ran(tab) -> None:
    """No tracked string ran or became markup: no dialog, no flag, no title, no
    element, handler or `javascript:` link it could have made, only the page's own
    scripts."""
    page = tab.page
    assert await page.title() != "pwned"
    assert tab.dialogs == []
    seen = await page.evaluate(INJECTED)
    assert seen == {"found": [], "scripts": OWN_SCRIPTS, "pwned": None, "jsLinks": 0}
    assert await page.locator("img[src=x], main img, main script").count() == 0
    # The heatmap's frame is sandboxed without scripts: Chromium says so, as intended;
    # a frame of a hostile path gets the fixture server's 404.
    expected = ("because the document's frame is sandboxed", "status of 404 (Not Found)")
    assert [e for e in tab.errors if not any(x in e for x in expected)] == []


async def test_overview_shows_the_api_numbers(server, site, get, desktop):
    first, last = days(30)
    await desktop.show(server.url, f"?site={site['key']}", f"overview {site['key']} {first} {last}")
    _, o = await get("/api/stats/overview", site=site["key"], **{"from": first, "to": last})
    page = desktop.page
    tiles = dict(zip(await texts(page, ".tile dt"), await texts(page, ".tile dd:not(.hint)"),
                     strict=True))  # fmt: skip
    assert tiles["Pageviews"] == f"{o['pageviews']:,}"
    assert tiles["Visitors"] == f"{o['visitors']:,}"
    assert tiles["Visits"] == f"{o['visits']:,}"
    assert tiles["Bounce rate"] == f"{o['bounce_rate'] * 100:.1f} %"
    assert o["pageviews"] > 0
    # The chart: uPlot's canvas, and its numbers in the table beneath.
    assert await page.locator(".chart .uplot canvas").count() >= 1
    chart_rows = page.locator(".chart-figure details tbody tr")
    assert await chart_rows.count() == len(o["series"])
    shown = sum(int(t) for t in await texts(page, ".chart-figure details tbody td:nth-child(2)"))
    assert shown == o["pageviews"]
    # Event types under human names.
    names = await texts(page, "section:has(h2:text('Events by type')) tbody th")
    assert "Video loaded" in names and "videoLoad" not in names
    await no_markup_ran(desktop)


async def test_today_shows_its_totals_and_its_hours(server, site, get, desktop):
    first, last = days(1)
    await desktop.show(
        server.url, f"?site={site['key']}&range=today", f"overview {site['key']} {first} {last}"
    )
    _, o = await get("/api/stats/overview", site=site["key"], **{"from": first, "to": last})
    page = desktop.page
    assert await page.text_content(".tile[data-tile=Pageviews] dd") == str(o["pageviews"])
    assert len(o["series"]) == 24  # the API's hours (the site's zone is UTC)
    assert await page.locator(".chart-figure details tbody tr").count() == 24
    hours = await texts(page, ".chart-figure details tbody th")
    assert hours[:2] == ["00:00", "01:00"]
    shown = sum(int(t) for t in await texts(page, ".chart-figure details tbody td:nth-child(2)"))
    assert shown == o["pageviews"] > 0
    await desktop.screenshot("overview-today-desktop")


async def test_pages_sources_locations_devices_show_the_breakdowns(server, site, get, desktop):
    first, last = days(30)
    span = {"from": first, "to": last}
    checks = {
        "pages": [("page", 50)],
        "sources": [("referrer", 50)],
        "locations": [("country", 50), ("region", 25), ("city", 25)],
        "devices": [("browser", 10), ("os", 10), ("device", 10), ("screen", 10), ("language", 10)],
    }
    for view, dims in checks.items():
        await desktop.show(
            server.url, f"?view={view}&site={site['key']}", f"{view} {site['key']} {first} {last}"
        )
        for by, limit in dims:
            _, answer = await get(
                "/api/stats/breakdown", site=site["key"], by=by, limit=limit, **span
            )
            card = desktop.page.locator(f".breakdown[data-by={by}]")
            cells = f".breakdown[data-by={by}] tbody td:nth-child(2)"
            visitors = [int(t) for t in await texts(desktop.page, cells)]
            assert visitors == [r["visitors"] for r in answer["rows"]], by
            keys = await card.locator("tbody th").all_text_contents()
            assert len(keys) == len(answer["rows"])
            # No card title repeated as its first column header.
            assert (
                await card.locator("h2").text_content()
                != await card.locator("thead th").first.text_content()
            )
            if by == "page":
                assert HOSTILE_PATH in keys
            if by == "referrer":
                assert HOSTILE_REF in keys
            if by == "country":
                assert "Netherlands" in keys and "NL" not in keys
        await no_markup_ran(desktop)


async def test_media_shows_each_video_and_its_audience_curve(server, site, get, desktop):
    first, last = days(30)
    await desktop.show(
        server.url, f"?view=media&site={site['key']}", f"media {site['key']} {first} {last}"
    )
    _, answer = await get("/api/stats/media", site=site["key"], **{"from": first, "to": last})
    assert len(answer["media"]) == 1 + len(HOSTILE_MEDIA)
    (m,) = [m for m in answer["media"] if m["src"] == VIDEO["src"]]
    row = desktop.page.locator(f"tbody tr[data-filter='media=={VIDEO['src']}']")
    cells = await row.locator("th, td").all_text_contents()
    # The source by its file name, its host and element beneath, the whole URL on hover.
    assert cells[0] == "intro.mp4cdn.example.nl · video#intro"
    assert await row.locator("a").get_attribute("title") == VIDEO["src"]
    assert cells[1:4] == [str(m["loads"]), str(m["plays"]), f"{m['play_rate'] * 100:.1f} %"]
    assert cells[6] == f"{m['completion_rate'] * 100:.1f} %"
    assert cells[7:] == [str(m["seeks"]), str(m["rewinds"]), str(m["errors"])]
    curve = await texts(
        desktop.page, f"[data-media='{VIDEO['src']}'] details tbody td:nth-child(2)"
    )
    assert [float(t.removesuffix(" %")) for t in curve] == [round(v, 1) for v in m["retention"]]
    assert await desktop.page.locator(f"[data-media='{VIDEO['src']}'] .uplot").count() == 1


async def test_interactions_draw_the_heatmap_over_the_page_in_a_frame(server, site, get, desktop):
    first, last = days(30)
    async with page_server(server.url) as pages:
        query = f"?view=interactions&site={site['key']}&page=/plain.html&origin={pages.base}"
        await desktop.show(server.url, query, f"interactions {site['key']} {first} {last}")
        frame = desktop.page.locator(".board iframe")
        assert await frame.get_attribute("src") == f"{pages.base}/plain.html"
        assert await frame.get_attribute("sandbox") == ""  # its scripts (peil.js) do not run
        await desktop.page.wait_for_selector(".stage[data-frame=page]")
        body = desktop.page.frame_locator(".board iframe").locator("body")
        assert (await body.text_content()).strip() != ""
        _, answer = await get(
            "/api/stats/clicks", site=site["key"], url="/plain.html", **{"from": first, "to": last}
        )
        elements = await texts(desktop.page, "section:has(h2:text('Most clicked')) tbody th")
        assert elements == [e["el"] for e in answer["elements"]]
        assert HOSTILE_EL in elements
        await desktop.screenshot("interactions-frame-desktop")
    await no_markup_ran(desktop)


async def test_realtime_shows_the_last_minutes_and_refreshes(server, site, get, desktop):
    first, last = days(30)
    await desktop.show(
        server.url, f"?view=realtime&site={site['key']}", f"realtime {site['key']} {first} {last}"
    )
    _, r = await get("/api/stats/realtime", site=site["key"])
    page = desktop.page
    assert await page.text_content(".tile[data-tile='Visitors now'] dd") == str(r["visitors_5m"])
    top = await texts(page, ".realtime [data-report=top-pages] tbody th")
    assert top == [p["page"] for p in r["top_pages"]]
    await page.wait_for_selector("[data-refreshes='1']", timeout=9000)
    await no_markup_ran(desktop)


async def test_the_state_survives_reload_and_back(server, site, desktop):
    page = desktop.page
    first, last = days(7)
    await desktop.show(
        server.url, f"?site={site['key']}&range=7d", f"overview {site['key']} {first} {last}"
    )
    await page.click("nav#views a[data-view=pages]")
    await desktop.shown(f"pages {site['key']} {first} {last}")
    assert "view=pages" in page.url and "range=7d" in page.url
    await page.select_option("#range", "custom")
    await page.fill("#from", "2024-02-03")
    await page.fill("#to", "2024-02-10")
    await page.click("#custom button[type=submit]")
    await desktop.shown(f"pages {site['key']} 2024-02-03 2024-02-10")
    await page.reload()
    await desktop.shown(f"pages {site['key']} 2024-02-03 2024-02-10")
    assert await page.input_value("#range") == "custom"
    assert await page.input_value("#from") == "2024-02-03"
    await page.go_back()
    await desktop.shown(f"pages {site['key']} {first} {last}")
    await page.go_back()
    await desktop.shown(f"overview {site['key']} {first} {last}")
    assert await page.input_value("#range") == "7d"
    # The last site used is the default when the URL names none.
    await page.goto(f"{server.url}/")
    await desktop.shown(f"overview {site['key']} {days(30)[0]} {days(30)[1]}")


SETTINGS_TABS = ["sites", "users", "tokens", "goals", "privacy"]


@pytest.fixture(scope="module")
async def narrow(browser, server, site):
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD, NARROW)
    yield tab
    await tab.context.close()


def fits(scroll_width: int, inner_width: int, size: str) -> bool:
    width = {"desktop": DESKTOP, "phone": PHONE, "narrow": NARROW}[size]["width"]
    assert inner_width == width  # the viewport asked for (no scrollbar taken off)
    return scroll_width <= inner_width


@pytest.mark.parametrize("size", ["desktop", "phone", "narrow"])
async def test_every_view_fits_the_width_and_is_photographed(
    server, site, desktop, phone, narrow, size
):
    tab = {"desktop": desktop, "phone": phone, "narrow": narrow}[size]
    first, last = days(30)
    for view in VIEWS:
        await tab.show(
            server.url, f"?view={view}&site={site['key']}", f"{view} {site['key']} {first} {last}"
        )
        scroll_width, inner_width = await tab.overflow()
        assert fits(scroll_width, inner_width, size), (view, scroll_width, inner_width)
        await tab.screenshot(f"{view}-{size}")
    # Every tab of the settings (the admin's), each with its forms and lists.
    for name in SETTINGS_TABS:
        await tab.show(
            server.url,
            f"?view=settings&site={site['key']}&tab={name}",
            f"settings {site['key']} {first} {last}",
        )
        await tab.page.wait_for_selector(f".tabs a[data-tab={name}][aria-current=page]")
        scroll_width, inner_width = await tab.overflow()
        assert fits(scroll_width, inner_width, size), (name, scroll_width, inner_width)
        await tab.screenshot(f"settings-{name}-{size}")
    await no_markup_ran(tab)


async def main_text(tab) -> str:
    return await tab.page.text_content("main")


@pytest.mark.parametrize("size", ["desktop", "narrow"])
async def test_hostile_strings_stay_text_on_every_view(server, site, desktop, narrow, size):
    """Markup and `javascript:` URLs in every tracked string, on every view and in
    the states that show one string alone (a media timeline, an event's props, a
    page's heatmap, a filter chip): shown as text, nothing ran or was injected, and
    the page still fits."""
    tab = desktop if size == "desktop" else narrow
    page, key = tab.page, site["key"]
    first, last = days(30)

    async def check(view: str, query: str = "", *texts_shown: str) -> None:
        await tab.show(
            server.url, f"?view={view}&site={key}{query}", f"{view} {key} {first} {last}"
        )
        text = await main_text(tab)
        for t in texts_shown:
            assert t in text, (view, query, t)
        scroll_width, inner_width = await tab.overflow()
        assert fits(scroll_width, inner_width, size), (view, query, scroll_width, inner_width)
        await no_markup_ran(tab)

    await check("overview")
    await check("pages", "", JS_URL, HOSTILE_PATH)
    await check("sources", "", JS_URL, HOSTILE_REF)
    for view in ("locations", "devices"):
        await check(view)
    await check("errors", "", JS_URL, HOSTILE_REF)
    await check("realtime", "", JS_URL, HOSTILE_PATH)
    await check("settings", "&tab=privacy")
    # Media: the table of sources and the interaction timeline of each hostile one.
    await check("media", "", JS_URL, HOSTILE_REF, HOSTILE_EL)
    for media in HOSTILE_MEDIA:
        await check("media", f"&media={quote(media['src'])}", f"Timeline of {media['src']}")
        box = page.locator(f"[data-media={json.dumps(media['src'])}]")
        assert await box.locator(".uplot").count() == 1
        clicks = await box.locator("details tbody td:nth-child(3)").all_text_contents()
        assert sum(int(c) for c in clicks) == 1  # its one click, on the timeline
    # The media link of a hostile source opens its timeline in the page.
    await check("media")
    await page.locator("a", has_text=JS_URL).first.click()
    await tab.shown(f"media {key} {first} {last}")
    assert "Timeline of javascript:alert(1)" in await main_text(tab)
    await no_markup_ran(tab)
    # Events: the hostile names, and each one's props drill-down.
    await check("events", "", JS_URL, HOSTILE)
    await check("events", f"&event={quote(JS_URL)}", f"Properties of {JS_URL}")
    heads = await texts(page, "[data-report=props] .prop h3")
    assert sorted(heads) == sorted(HOSTILE_PROPS)
    values = await texts(page, "[data-report=props] .prop tbody th")
    assert sorted(values) == sorted(HOSTILE_PROPS.values())
    await check("events", f"&event={quote(HOSTILE)}", f"Properties of {HOSTILE}")
    assert await texts(page, "[data-report=props] .prop h3") == [HOSTILE_REF]
    assert await texts(page, "[data-report=props] .prop tbody th") == [JS_URL]
    # Interactions: the heatmap of a hostile page over the frame, its elements.
    async with page_server(server.url) as pages:
        for path, clicked in ((JS_PATH, {JS_URL, HOSTILE_EL}), (HOSTILE_PATH, {JS_URL})):
            query = f"&page={quote(path)}&origin={quote(pages.base)}"
            await check("interactions", query, JS_URL)
            frame = await page.locator(".board iframe").get_attribute("src")
            assert frame.startswith(pages.base + "/"), frame
            elements = await texts(page, "section:has(h2:text('Most clicked')) tbody th")
            assert set(elements) == clicked
            await page.wait_for_selector(".stage[data-frame=page]")  # the 404 page
            await no_markup_ran(tab)
    # A click on a hostile row filters by it: its chip is text too.
    await check("pages", "", JS_URL)
    await page.click(
        f".breakdown[data-by=page] tbody tr[data-filter={json.dumps('page==' + JS_URL)}] th"
    )
    await page.wait_for_selector(f"body[data-filters={json.dumps('page==' + JS_URL)}]")
    assert await texts(page, "#filters .chip-label") == [f"Page is {JS_URL}"]
    await no_markup_ran(tab)
    for view in ("sources", "media", "events", "interactions"):
        await page.click(f"nav#views a[data-view={view}]")
        await tab.shown(f"{view} {key} {first} {last}")
        await no_markup_ran(tab)
    await tab.screenshot(f"hostile-filtered-{size}")
