"""GET /api/export: raw events streamed as CSV or NDJSON, spreadsheet formulas
neutralised, an audit row per export, the ip column only where addresses are kept."""

from __future__ import annotations

import csv
import io
import ipaddress
from datetime import timedelta

import aiohttp
import asyncpg
import orjson
import pytest

from collector.config import load_settings
from tests.support.app import running_app
from tests.support.dashboard_data import EMAIL, EXAMPLE_DAY, add_events, add_site, at

D = EXAMPLE_DAY
RANGE = {"from": D.isoformat(), "to": D.isoformat()}
HOSTILE = {
    "path": '=HYPERLINK("http://evil")',
    "el": "+button",
    "name": "@SUM(A1)",
    "referrer": "-2+3",
    "query": "\tx=1",
    "city": "\rCity",
}


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Export")
        await add_events(
            conn,
            site,
            {
                "ts": at(D, "10:00"),
                "visitor": -42,
                "t": "pageview",
                "path": "/a",
                "ip": ipaddress.ip_interface("203.0.113.0/24"),
                "props": '{"plan": "pro"}',
            },
            {"ts": at(D, "10:01"), "visitor": 7, "t": "click", "x": 0.5, "y": 10, **HOSTILE},
            {"ts": at(D, "23:59:59"), "visitor": 8, "t": "pageview", "path": "/b"},
            {
                "ts": at(D, "00:00") - timedelta(seconds=1),
                "visitor": 9,
                "t": "pageview",
                "path": "/yesterday",
            },
        )
        return site
    finally:
        await conn.close()


async def download(url, token, site, **params):
    query = {"site": site["key"], **RANGE, **params}
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/export", params=query, headers=headers) as response,
    ):
        return response.status, response.headers, await response.read()


async def test_csv_has_the_days_events_with_formulas_neutralised(server, token, site):
    status, headers, body = await download(server.url, token, site, format="csv")
    assert status == 200
    assert headers["Content-Type"].startswith("text/csv")
    assert headers["Transfer-Encoding"] == "chunked"
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [r["type"] for r in rows] == ["pageview", "click", "pageview"]
    hostile = rows[1]
    for column, value in HOSTILE.items():
        assert hostile[column] == "'" + value, column
    first = rows[0]
    assert first["visitor"] == "-42"  # a number Peil wrote, not a formula
    assert first["ip"] == "203.0.113.0/24"
    assert orjson.loads(first["props"]) == {"plan": "pro"}


async def test_ndjson_keeps_values_as_they_are(server, token, site):
    status, headers, body = await download(server.url, token, site, format="ndjson")
    assert status == 200
    assert headers["Content-Type"].startswith("application/x-ndjson")
    rows = [orjson.loads(line) for line in body.splitlines()]
    assert [r["path"] for r in rows] == ["/a", HOSTILE["path"], "/b"]
    assert rows[1]["el"] == "+button"
    assert rows[0]["props"] == {"plan": "pro"}
    assert rows[1]["x"] == 0.5


async def test_every_export_writes_an_audit_row(server, token, site, db):
    await db.execute("DELETE FROM audit_log WHERE action = 'export'")
    await download(server.url, token, site, format="ndjson")
    rows = await db.fetch("SELECT actor, detail FROM audit_log WHERE action = 'export'")
    assert [(r["actor"], orjson.loads(r["detail"])) for r in rows] == [
        (EMAIL, {"site": site["key"], "from": RANGE["from"], "to": RANGE["to"], "format": "ndjson"})
    ]


async def test_no_ip_column_when_no_address_is_kept(env, database_url, token, site):
    settings = load_settings({**env, "PEIL_IPV4_PREFIX": "0", "PEIL_IPV6_PREFIX": "0"})
    async with running_app(settings, database_url) as app:
        status, _, body = await download(app.url, token, site, format="csv")
    assert status == 200
    header = body.decode().splitlines()[0].split(",")
    assert "ip" not in header
    assert "visitor" in header


async def test_a_large_export_arrives_whole(server, token, db):
    site = await add_site(db, "Export many")
    await db.execute(
        "INSERT INTO events (ts, visitor, site_id, type, seq)"
        " SELECT $1::timestamptz + g * interval '1 second', g, $2, 1, 0"
        " FROM generate_series(1, 12000) g",
        at(D, "01:00"),
        site["id"],
    )
    status, _, body = await download(server.url, token, site, format="ndjson")
    assert status == 200
    visitors = [orjson.loads(line)["visitor"] for line in body.splitlines()]
    assert visitors == list(range(1, 12001))
