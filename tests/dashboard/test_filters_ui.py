"""The dashboard's filters, comparison, new reports and CSV downloads in a real
Chromium, on a known dataset: a click on a row filters every view to the numbers
the API gives for the same filter; chips remove filters and the editor adds "is
not" and "contains" ones; filters and the comparison survive a reload and the
back button; the Events, Errors, elements, media timeline and realtime chart show
the API's numbers; a table's CSV holds the rows shown, formula-safe; at 390 and
360 px no view scrolls sideways with filters on; every view is photographed
filtered at 1440x900, 390x844 and 360x740 (tests.support.browser.SHOTS); and the
page's JS and CSS stay under 150 KB gzipped."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import aiohttp
import asyncpg
import orjson
import pytest

from collector.accounts.principal import ADMIN
from tests.support.accounts import add_account
from tests.support.browser import DESKTOP, NARROW, PHONE, dashboard_tab
from tests.support.dashboard_data import add_events, add_site, fold

EMAIL, PASSWORD = "filters@example.nl", "filters password 1"
STATIC = Path(__file__).resolve().parents[2] / "dashboard" / "static"
VIDEO = {"el": "video#intro", "src": "https://cdn.example.nl/intro.mp4", "dur": 100.0}
FORMULA = "=1+2"  # a UTM campaign a spreadsheet would run
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
PEOPLE = [
    {"country": "NL", "region": "NL-NH", "city": "Amsterdam", "browser": "Firefox", "os": "Linux",
     "device": 1, "screen_w": 1920, "screen_h": 1080, "lang": "nl", "player_version": "2.1"},
    {"country": "DE", "region": "DE-BE", "city": "Berlin", "browser": "Chrome", "os": "Android",
     "device": 2, "screen_w": 390, "screen_h": 844, "lang": "de", "player_version": "2.0"},
]  # fmt: skip
VIEWS = ["overview", "pages", "sources", "locations", "devices", "media", "interactions",
         "events", "errors", "realtime"]  # fmt: skip


def visit(ts, visitor, *pages, ref=None, query=None, who=None):
    person = who or PEOPLE[visitor % 2]
    return [
        {"ts": ts + timedelta(minutes=i), "visitor": visitor, "t": "pageview", "path": path,
         "host": "localhost", "referrer": ref if i == 0 else None,
         "query": query if i == 0 else None, **person}
        for i, path in enumerate(pages)
    ]  # fmt: skip


def event(ts, visitor, t, **fields):
    return {"ts": ts, "visitor": visitor, "t": t, "host": "localhost", **PEOPLE[visitor % 2],
            **fields}  # fmt: skip


@pytest.fixture(scope="module")
async def site(database_url):
    """Two countries, referrers and UTM campaigns (one a formula), custom events with
    props, two goals, errors, watched elements, a video, and pageviews of now."""
    conn = await asyncpg.connect(database_url)
    try:
        await add_account(conn, EMAIL, PASSWORD, role=ADMIN)
        site = await add_site(conn, "Filters test")
        await conn.execute("UPDATE sites SET domains = '{localhost}' WHERE id = $1", site["id"])
        for name, kind, match in (
            ("Signed up", "event", "signup"),
            ("Saw pricing", "page", "/pricing*"),
        ):
            await conn.execute(
                "INSERT INTO goals (site_id, name, kind, match) VALUES ($1, $2, $3, $4)",
                site["id"], name, kind, match,
            )  # fmt: skip
        now = datetime.now(UTC).replace(microsecond=0)
        d1, d2 = now - timedelta(days=3), now - timedelta(days=2)
        spring = "utm_source=newsletter&utm_medium=email&utm_campaign=spring"
        events = [
            *visit(d1, 0, "/", "/tour", "/pricing", ref="www.google.com/", query=spring),
            *visit(d1 + timedelta(hours=1), 1, "/tour", ref="duckduckgo.com/"),
            *visit(d1 + timedelta(hours=2), 2, "/", "/pricing/pro", query=spring),
            *visit(d2, 3, "/blog/one", "/tour", query="utm_source=x&utm_campaign=%3D1%2B2"),
            *visit(d2 + timedelta(hours=1), 4, "/", ref="www.google.com/"),
            *visit(d2 + timedelta(hours=2), 5, "/tour", "/pricing"),
            event(
                d1 + timedelta(minutes=3),
                0,
                "custom",
                name="signup",
                path="/pricing",
                props='{"plan": "pro", "from": "tour"}',
            ),
            event(
                d2 + timedelta(hours=2, minutes=2),
                5,
                "custom",
                name="signup",
                path="/pricing",
                props='{"plan": "free"}',
            ),
            event(d2 + timedelta(minutes=1), 3, "custom", name="newsletter", path="/tour"),
            event(
                d1 + timedelta(minutes=1),
                0,
                "error",
                name="TypeError: x is undefined",
                path="/tour",
            ),
            event(
                d2 + timedelta(minutes=1),
                3,
                "error",
                name="TypeError: x is undefined",
                path="/tour",
            ),
            event(
                d2 + timedelta(minutes=2), 3, "error", path="/tour", props='{"code": 4}', **VIDEO
            ),
            event(d1 + timedelta(minutes=1), 0, "eleOn", el="section#pricing", path="/tour"),
            event(
                d1 + timedelta(minutes=1, seconds=8),
                0,
                "eleOff",
                el="section#pricing",
                path="/tour",
            ),
            event(
                d1 + timedelta(minutes=1, seconds=2), 0, "hover", el="section#pricing", path="/tour"
            ),
            event(
                d1 + timedelta(minutes=1, seconds=3),
                0,
                "click",
                el="section#pricing",
                path="/tour",
                x=0.5,
                y=300,
            ),
            event(d2 + timedelta(minutes=1), 3, "eleOn", el="section#pricing", path="/tour"),
            event(d1 + timedelta(minutes=1), 0, "videoLoad", path="/tour", pos=0.0, **VIDEO),
            event(d1 + timedelta(minutes=1, seconds=1), 0, "play", path="/tour", pos=0.0, **VIDEO),
            event(
                d1 + timedelta(minutes=1, seconds=20),
                0,
                "click",
                path="/tour",
                pos=20.0,
                x=0.3,
                y=200,
                **VIDEO,
            ),
            event(
                d1 + timedelta(minutes=1, seconds=30),
                0,
                "seek",
                path="/tour",
                pos=60.0,
                from_pos=0.0,
                to_pos=30.0,
                **VIDEO,
            ),
            event(
                d1 + timedelta(minutes=2),
                0,
                "pause",
                path="/tour",
                pos=80.0,
                from_pos=60.0,
                **VIDEO,
            ),
            event(d2 + timedelta(minutes=1), 1, "videoLoad", path="/tour", pos=0.0, **VIDEO),
            event(d2 + timedelta(minutes=1, seconds=2), 1, "play", path="/tour", pos=0.0, **VIDEO),
            event(
                d2 + timedelta(minutes=1, seconds=40),
                1,
                "pause",
                path="/tour",
                pos=40.0,
                from_pos=0.0,
                **VIDEO,
            ),
            event(
                d2 + timedelta(hours=1, minutes=1),
                4,
                "custom",
                name=HOSTILE,
                path="/",
                props=orjson.dumps(
                    {HOSTILE: HOSTILE, "x": '"><script>document.title=1</script>'}
                ).decode(),
            ),
            event(d2 + timedelta(hours=1, minutes=1), 4, "error", name=HOSTILE, path="/"),
            event(d2 + timedelta(hours=1, minutes=2), 4, "eleOn", el=HOSTILE, path="/"),
            *visit(now - timedelta(minutes=3), 6, "/", "/tour"),
            *visit(now - timedelta(minutes=1), 7, "/pricing"),
        ]
        await add_events(conn, site, *events)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


@pytest.fixture
def ask(server, token):
    """GET an API path with the token; list values repeat the parameter."""

    async def call(path: str, **params: object) -> dict:
        query = []
        for k, v in params.items():
            for one in v if isinstance(v, list | tuple) else [v]:
                query.append((k, str(one)))
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{server.url}{path}", params=query, headers=headers) as response,
        ):
            assert response.status == 200, await response.text()
            return orjson.loads(await response.read())

    return call


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


@pytest.fixture(scope="module")
async def narrow(browser, server, site):
    tab = await dashboard_tab(browser, server.url, EMAIL, PASSWORD, NARROW)
    yield tab
    await tab.context.close()


def span(n: int = 30) -> dict[str, str]:
    today = datetime.now(UTC).date()  # the site's zone is UTC
    return {"from": (today - timedelta(days=n - 1)).isoformat(), "to": today.isoformat()}


async def shown(tab, site, view: str, filters: list[str] = (), n: int = 30) -> None:
    """Wait until `view` is shown for the last n days with exactly these filters."""
    s = span(n)
    loaded = f'body[data-loaded="{view} {site["key"]} {s["from"]} {s["to"]}"]'
    joined = json.dumps(" & ".join(filters), ensure_ascii=False)  # a CSS string
    await tab.page.wait_for_selector(f"{loaded}[data-filters={joined}]")


async def texts(page, selector: str) -> list[str]:
    return [t.strip() for t in await page.locator(selector).all_text_contents()]


def url_filters(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("filter", [])


async def check_numbers(tab, site, ask, filters: list[str]) -> None:
    """Every view shows the API's numbers for `filters` (reached by the view links,
    which keep the filters)."""
    page, q = tab.page, {"site": site["key"], "filter": filters, **span()}
    await page.click("nav#views a[data-view=overview]")
    await shown(tab, site, "overview", filters)
    o = await ask("/api/stats/overview", **q)
    assert await page.text_content(".tile[data-tile=Pageviews] dd") == str(o["pageviews"])
    assert await page.text_content(".tile[data-tile=Visitors] dd") == str(o["visitors"])
    assert await page.text_content(".tile[data-tile=Visits] dd") == str(o["visits"])
    for view, by in (("pages", "page"), ("sources", "referrer"), ("devices", "browser")):
        await page.click(f"nav#views a[data-view={view}]")
        await shown(tab, site, view, filters)
        rows = (await ask("/api/stats/breakdown", by=by, limit=50, **q))["rows"]
        cells = await texts(page, f".breakdown[data-by={by}] tbody td:nth-child(2)")
        assert [int(c) for c in cells] == [r["visitors"] for r in rows], (view, filters)
        filters_of_rows = await page.locator(f".breakdown[data-by={by}] tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.filter)"
        )
        expect = [f"{by}=={'(none)' if r['key'] is None else r['key']}" for r in rows]
        assert filters_of_rows == expect
    await page.click("nav#views a[data-view=events]")
    await shown(tab, site, "events", filters)
    ev = (await ask("/api/stats/events", limit=50, **q))["rows"]
    shown_events = await page.locator("[data-report=events] tbody tr:has(th)").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert shown_events == [
        [r["name"], str(r["visitors"]), str(r["events"]), f"{r['conversion_rate'] * 100:.1f} %"]
        for r in ev
    ]
    await page.click("nav#views a[data-view=errors]")
    await shown(tab, site, "errors", filters)
    errors = (await ask("/api/stats/errors", limit=100, **q))["rows"]
    assert [int(t) for t in await texts(page, "[data-report=errors] tbody td:nth-child(3)")] == [
        r["events"] for r in errors
    ]


async def test_a_row_click_filters_every_view_and_chips_remove_it(server, site, ask, desktop):
    page = desktop.page
    await page.goto(f"{server.url}/?view=locations&site={site['key']}")
    await shown(desktop, site, "locations")
    await page.click(".breakdown[data-by=country] tbody tr:has(th:text-is('Netherlands'))")
    await shown(desktop, site, "locations", ["country==NL"])
    assert url_filters(page.url) == ["country==NL"]
    assert "filter=country%3D%3DNL" in page.url
    assert await texts(page, "#filters .chip-label") == ["Country is Netherlands"]
    await check_numbers(desktop, site, ask, ["country==NL"])
    # Enter on a focused row adds its filter too (Pages: top pages).
    await page.click("nav#views a[data-view=pages]")
    await shown(desktop, site, "pages", ["country==NL"])
    await page.focus(".breakdown[data-by=page] tbody tr[data-filter='page==/tour']")
    await page.keyboard.press("Enter")
    both = ["country==NL", "page==/tour"]
    await shown(desktop, site, "pages", both)
    await check_numbers(desktop, site, ask, both)
    # The × of a chip removes its filter.
    await page.click("#filters .chip[data-filter='country==NL'] .chip-x")
    await shown(desktop, site, "errors", ["page==/tour"])
    assert url_filters(page.url) == ["page==/tour"]
    await page.click("#filters .chip .chip-x")
    await shown(desktop, site, "errors", [])
    assert await page.locator("#filters .chip").count() == 0
    # A row with no key adds DIM==(none): direct visits.
    await page.click("nav#views a[data-view=sources]")
    await shown(desktop, site, "sources")
    await page.click(".breakdown[data-by=referrer] tbody tr[data-filter='referrer==(none)'] th")
    await shown(desktop, site, "sources", ["referrer==(none)"])
    assert await texts(page, "#filters .chip-label") == ["Referrer is (direct or none)"]
    await check_numbers(desktop, site, ask, ["referrer==(none)"])
    # Kinds of device by name; the filter takes the API's key.
    await page.click("#filters .chip .chip-x")
    await shown(desktop, site, "errors", [])
    await page.click("nav#views a[data-view=devices]")
    await shown(desktop, site, "devices")
    await page.click(".breakdown[data-by=device] tbody tr:has(th:text-is('Phone'))")
    await shown(desktop, site, "devices", ["device==mobile"])
    assert await texts(page, "#filters .chip-label") == ["Device is Phone"]
    await check_numbers(desktop, site, ask, ["device==mobile"])
    assert desktop.errors == []


async def test_the_editor_adds_is_not_and_contains(server, site, ask, desktop):
    page = desktop.page
    await page.goto(f"{server.url}/?view=pages&site={site['key']}")
    await shown(desktop, site, "pages")
    for dim, op, value in (("country", "!=", "NL"), ("page", "~", "TOUR")):
        await page.click("#filters .add-filter summary")
        await page.select_option("#filters select[name=dim]", dim)
        await page.select_option("#filters select[name=op]", op)
        await page.fill("#filters input[name=value]", value)
        await page.click("#filters .filter-form button[type=submit]")
        await page.wait_for_selector(f"#filters .chip[data-filter='{dim}{op}{value}']")
    both = ["country!=NL", "page~TOUR"]
    await shown(desktop, site, "pages", both)
    assert await texts(page, "#filters .chip-label") == [
        "Country is not Netherlands",
        "Page contains “TOUR”",
    ]
    await check_numbers(desktop, site, ask, both)


async def test_filters_and_comparison_survive_reload_and_back(server, site, ask, desktop):
    page = desktop.page
    await page.goto(f"{server.url}/?site={site['key']}&filter=country%3D%3DDE")
    await shown(desktop, site, "overview", ["country==DE"])
    await page.select_option("#compare", "previous")
    await shown(desktop, site, "overview", ["country==DE"])
    assert parse_qs(urlsplit(page.url).query)["compare"] == ["previous"]
    await page.reload()
    await shown(desktop, site, "overview", ["country==DE"])
    assert await page.input_value("#compare") == "previous"
    assert await texts(page, "#filters .chip-label") == ["Country is Germany"]
    # The tiles' change against the previous 30 days (nothing then: "new").
    o = await ask(
        "/api/stats/overview", site=site["key"], filter="country==DE", compare="previous", **span()
    )
    assert o["compare"]["pageviews"] == 0 and o["pageviews"] > 0
    change = await page.text_content(".tile[data-tile=Pageviews] dd.change")
    assert change.startswith("▲ new against ")
    # The chart: this period and the one before, per day.
    head = await texts(page, ".chart-figure details thead th")
    assert head == ["Day", "Pageviews", "Visitors", "Pageviews before", "Visitors before"]
    before = await texts(page, ".chart-figure details tbody td:nth-child(4)")
    assert [int(t) for t in before] == [p["pageviews"] for p in o["compare"]["series"]]
    # Pages keeps filter and comparison; back returns to the overview's state.
    await page.click("nav#views a[data-view=pages]")
    await shown(desktop, site, "pages", ["country==DE"])
    await page.click(".breakdown[data-by=page] tbody tr[data-filter='page==/tour'] th")
    await shown(desktop, site, "pages", ["country==DE", "page==/tour"])
    change = await texts(page, ".breakdown[data-by=page] tbody td:nth-child(3)")
    assert change and all(c == "▲ new" for c in change)
    await page.go_back()
    await shown(desktop, site, "pages", ["country==DE"])
    await page.go_back()
    await shown(desktop, site, "overview", ["country==DE"])
    assert await page.input_value("#compare") == "previous"
    await page.select_option("#compare", "year")
    await shown(desktop, site, "overview", ["country==DE"])
    await page.go_back()
    await shown(desktop, site, "overview", ["country==DE"])
    assert await page.input_value("#compare") == "previous"


async def test_the_new_reports_show_the_api_numbers(server, site, ask, desktop):
    page, q = desktop.page, {"site": site["key"], **span()}
    # Pages: entry and exit pages with their visits' numbers.
    await page.goto(f"{server.url}/?view=pages&site={site['key']}")
    await shown(desktop, site, "pages")
    for by, tab in (("entry_page", "entry"), ("exit_page", "exit")):
        await page.click(f"main .tabs a[data-list={tab}]")
        await shown(desktop, site, "pages")
        assert parse_qs(urlsplit(page.url).query)["list"] == [tab]
        assert await page.locator("main table").count() == 1
        rows = (await ask("/api/stats/breakdown", by=by, limit=50, **q))["rows"]
        shown_rows = await page.locator(f".breakdown[data-by={by}] tbody tr").evaluate_all(
            "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
        )
        assert [r[0] for r in shown_rows] == [r["key"] or "(unknown)" for r in rows]
        assert [r[4] for r in shown_rows] == [f"{r['bounce_rate'] * 100:.1f} %" for r in rows]
        assert [int(r[3]) for r in shown_rows] == [r["visits"] for r in rows]
    # Sources: UTM tables; Devices: player versions.
    await page.click("nav#views a[data-view=sources]")
    await shown(desktop, site, "sources")
    for by in ("utm_source", "utm_medium", "utm_campaign"):
        rows = (await ask("/api/stats/breakdown", by=by, limit=25, **q))["rows"]
        assert await texts(page, f".breakdown[data-by={by}] tbody th") == [
            "(unknown)" if r["key"] is None else r["key"] for r in rows
        ]
    await page.click("nav#views a[data-view=devices]")
    await shown(desktop, site, "devices")
    rows = (await ask("/api/stats/breakdown", by="player_version", **q))["rows"]
    assert {r["key"] for r in rows} >= {"2.0", "2.1"}
    assert await texts(page, ".breakdown[data-by=player_version] tbody th") == [
        "(unknown)" if r["key"] is None else r["key"] for r in rows
    ]
    # Events: goals, props of the chosen event, a funnel built in the page.
    await page.click("nav#views a[data-view=events]")
    await shown(desktop, site, "events")
    goals = (await ask("/api/stats/goals", **q))["goals"]
    shown_goals = await page.locator("[data-report=goals] tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert shown_goals == [
        [g["name"], g["kind"].title(), str(g["visitors"]), str(g["events"]),
         f"{g['conversion_rate'] * 100:.1f} %"]
        for g in goals
    ]  # fmt: skip
    props = (await ask("/api/stats/props", event="signup", limit=10, **q))["props"]
    assert await texts(page, "[data-report=props] .prop h3") == [p["key"] for p in props]
    plan = next(p for p in props if p["key"] == "plan")
    assert await texts(page, "[data-report=props] [data-prop=plan] tbody th") == [
        r["value"] for r in plan["rows"]
    ]
    await page.select_option("[data-report=props] select[name=event]", "newsletter")
    await page.wait_for_selector("[data-report=props] h2:text('Properties of newsletter')")
    steps = ["page:/tour", "page:/pricing*", "event:signup"]
    inputs = page.locator("[data-report=funnel] input[name=step]")
    await inputs.nth(0).fill(steps[0])
    await inputs.nth(1).fill(steps[1])
    await page.click("[data-report=funnel] button:text('Add step')")
    await inputs.nth(2).fill(steps[2])
    await page.click("[data-report=funnel] button:text('Show funnel')")
    await page.wait_for_selector("[data-report=funnel] table")
    assert parse_qs(urlsplit(page.url).query)["step"] == steps
    funnel = (await ask("/api/stats/funnel", step=steps, **q))["steps"]
    assert [int(t) for t in await texts(page, "[data-report=funnel] tbody td:nth-child(2)")] == [
        s["visitors"] for s in funnel
    ]
    assert funnel[0]["visitors"] > funnel[-1]["visitors"] > 0
    # Errors.
    await page.click("nav#views a[data-view=errors]")
    await shown(desktop, site, "errors")
    errors = (await ask("/api/stats/errors", limit=100, **q))["rows"]
    assert await texts(page, "[data-report=errors] tbody th") == [r["message"] for r in errors]
    assert "code 4" in [r["message"] for r in errors]
    # Interactions: the elements seen.
    await page.click("nav#views a[data-view=interactions]")
    await shown(desktop, site, "interactions")
    elements = (await ask("/api/stats/elements", limit=50, **q))["rows"]
    shown_elements = await page.locator("[data-report=elements] tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert [r[:3] + r[4:] for r in shown_elements] == [
        [e["el"], str(e["views"]), str(e["visitors"]), str(e["hovers"]), str(e["clicks"])]
        for e in elements
    ]
    assert next(r for r in shown_elements if r[0] == "section#pricing")[3] == "8 s"
    # Media: the interaction timeline of the video.
    await page.click("nav#views a[data-view=media]")
    await shown(desktop, site, "media")
    timeline = await ask("/api/stats/media/timeline", src=VIDEO["src"], el=VIDEO["el"], **q)
    rows = await page.locator(f"[data-media='{VIDEO['src']}'] details tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert len(rows) == 21
    for row, b in zip(rows, timeline["buckets"], strict=True):
        assert row[0] == f"{round(b['at'] * 100)} %"
        assert row[2:] == [str(b[k]) for k in ("clicks", "hovers", "pauses", "seeks_from",
                                                "seeks_to")]  # fmt: skip
    assert sum(b["pauses"] for b in timeline["buckets"]) == 2
    assert await page.locator(f"[data-media='{VIDEO['src']}'] .uplot").count() == 1
    # Realtime: the per-minute chart.
    await page.click("nav#views a[data-view=realtime]")
    await shown(desktop, site, "realtime")
    r = await ask("/api/stats/realtime", site=site["key"])
    per_minute = await texts(page, ".realtime .chart-figure details tbody td:nth-child(2)")
    assert [int(t) for t in per_minute] == [m["pageviews"] for m in r["series"]]
    assert sum(m["pageviews"] for m in r["series"]) == 3
    assert desktop.errors == []


async def test_a_tables_csv_holds_its_rows_formula_safe(server, site, desktop):
    page = desktop.page
    await page.goto(f"{server.url}/?view=sources&site={site['key']}")
    await shown(desktop, site, "sources")
    box = page.locator(".breakdown[data-by=utm_campaign]")
    async with page.expect_download() as info:
        await box.locator("button.csv").click()
    download = await info.value
    assert download.suggested_filename.endswith(
        f"-utm-campaigns-{span()['from']}-{span()['to']}.csv"
    )
    text = Path(await download.path()).read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    cells = await box.locator("tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))"
    )
    safe = [
        [("'" + c) if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c for c in r] for r in cells
    ]
    assert rows == safe
    assert [r[0] for r in rows if r[0].endswith(FORMULA)] == ["'" + FORMULA]
    assert rows[0][:2] == ["Campaign", "Visitors"] and len(rows) > 2


@pytest.mark.parametrize("size", ["desktop", "phone", "narrow"])
async def test_every_view_fits_with_filters_and_is_photographed(
    server, site, desktop, phone, narrow, size
):
    tab = {"desktop": desktop, "phone": phone, "narrow": narrow}[size]
    # A long chip; "is not" keeps the numbers there to photograph.
    long = "page!=/a-rather-long-path/that-goes-on/and-on/for-a-while/index.html"
    filters = ["country==NL", long]
    query = "&filter=country%3D%3DNL&filter=" + quote(long) + "&compare=previous"
    for view in VIEWS:
        await tab.page.goto(f"{server.url}/?view={view}&site={site['key']}{query}")
        await shown(tab, site, view, filters)
        scroll_width, inner_width = await tab.overflow()
        assert scroll_width <= inner_width, (view, scroll_width, inner_width)
        await tab.screenshot(f"{view}-filtered-{size}")
    # The filter editor open fits too.
    await tab.page.click("#filters .add-filter summary")
    scroll_width, inner_width = await tab.overflow()
    assert scroll_width <= inner_width, ("editor", scroll_width, inner_width)
    await tab.screenshot(f"filter-editor-{size}")
    # Unfiltered, the new reports with their data.
    for view in ("events", "errors", "interactions", "media", "realtime"):
        await tab.page.goto(
            f"{server.url}/?view={view}&site={site['key']}&step=page:/tour&step=event:signup"
        )
        await shown(tab, site, view)
        scroll_width, inner_width = await tab.overflow()
        assert scroll_width <= inner_width, (view, scroll_width, inner_width)
        await tab.screenshot(f"{view}-data-{size}")
    # Hostile names stay text: in the chips, the tables and the props.
    hostile = "filter=" + quote(f"event=={HOSTILE}")
    await tab.page.goto(
        f"{server.url}/?view=events&site={site['key']}&{hostile}&event={quote(HOSTILE)}"
    )
    await shown(tab, site, "events", [f"event=={HOSTILE}"])
    assert await texts(tab.page, "#filters .chip-label") == [f"Custom event is {HOSTILE}"]
    assert await texts(tab.page, "[data-report=events] tbody th") == [HOSTILE]
    assert await texts(tab.page, "[data-report=props] .prop h3") == [HOSTILE, "x"]
    for view in ("errors", "interactions"):
        await tab.page.click(f"nav#views a[data-view={view}]")
        await shown(tab, site, view, [f"event=={HOSTILE}"])
    assert await tab.page.locator("body img, main script, header script").count() == 0
    assert await tab.page.title() != "pwned"
    assert tab.errors == []


def test_the_pages_js_and_css_stay_under_150_kb_gzipped():
    files = [f for f in STATIC.iterdir() if f.suffix in (".js", ".css")]
    packed = sum(len(gzip.compress(f.read_bytes(), 9)) for f in files)
    assert packed < 150 * 1024, packed
