"""GET /api/export with filters: only the selected events (README, "Filters,
visits and the reports' definitions"), as plain SQL over the raw events
selects them: event filters on each event, visit filters on its visit. And
a filtered report cancelled past its time answers 503, not 500."""

from __future__ import annotations

import aiohttp
import asyncpg
import orjson
import pytest

from dashboard.stats import selection
from tests.support.dashboard_data import EXAMPLE_DAY, add_events, add_site, at, fold

D = EXAMPLE_DAY
RANGE = {"from": D.isoformat(), "to": D.isoformat()}


def ev(clock, visitor, t, path, **fields):
    return {"ts": at(D, clock), "visitor": visitor, "t": t, "path": path, **fields}


# Visitor 1 (NL): /a then /b; visitor 2 (BE): /a, a click on /a; visitor 1
# again after an hour, now from a campaign (a second visit).
EVENTS = [
    ev("09:00", 1, "pageview", "/a", country="NL"),
    ev("09:05", 1, "pageview", "/b", country="NL"),
    ev("09:10", 2, "pageview", "/a", country="BE"),
    ev("09:11", 2, "click", "/a", country="BE", el="button#buy", x=0.5, y=10),
    ev("10:30", 1, "pageview", "/c", country="NL", query="utm_campaign=spring+sale"),
]


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Export filters")
        await add_events(conn, site, *EVENTS)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def exported(server, token, site, *filters: str) -> list[tuple[str, str]]:
    query = [("site", site["key"]), *RANGE.items(), ("format", "ndjson")]
    query += [("filter", f) for f in filters]
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http.get(f"{server.url}/api/export", params=query) as response,
    ):
        assert response.status == 200, await response.text()
        rows = [orjson.loads(line) for line in (await response.read()).splitlines()]
    return [(r["type"], r["path"]) for r in rows]


async def test_an_event_filter_keeps_the_matching_events(server, token, site):
    assert await exported(server, token, site, "page==/a") == [
        ("pageview", "/a"),
        ("pageview", "/a"),
        ("click", "/a"),
    ]


async def test_a_visit_filter_keeps_the_events_of_matching_visits(server, token, site):
    assert await exported(server, token, site, "country==NL") == [
        ("pageview", "/a"),
        ("pageview", "/b"),
        ("pageview", "/c"),
    ]
    # The entry page of a visit: visitor 1's first visit and visitor 2's.
    assert await exported(server, token, site, "entry_page==/a", "page!=/b") == [
        ("pageview", "/a"),
        ("pageview", "/a"),
        ("click", "/a"),
    ]
    # A campaign is the visit's: only visitor 1's second visit came from it.
    assert await exported(server, token, site, "utm_campaign==spring sale") == [("pageview", "/c")]


async def test_no_filter_exports_every_event(server, token, site):
    assert len(await exported(server, token, site)) == len(EVENTS)


async def test_a_bad_filter_is_a_400_naming_it(server, token, site):
    query = {"site": site["key"], "filter": "country=NL"}
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http.get(f"{server.url}/api/export", params=query) as response,
    ):
        assert response.status == 400
        assert "'filter'" in (await response.json())["error"]


async def test_a_report_past_its_time_is_a_503_not_a_500(server, token, site, monkeypatch):
    # As if the report's query ran past the timeout: PostgreSQL cancels it.
    monkeypatch.setattr(
        selection, "SETTINGS", "SET LOCAL statement_timeout = '1ms'; SELECT pg_sleep(0.2)"
    )
    query = {"site": site["key"], **RANGE, "filter": "country==NL"}
    async with (
        aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http,
        http.get(f"{server.url}/api/stats/overview", params=query) as response,
    ):
        assert response.status == 503
        assert "took longer than 30 s" in (await response.json())["error"]
