"""POST /api/events, OPTIONS and GET /api/p.gif against a real server and
database: every wire field lands in its column, every refusal has its
status, one bad event never costs its neighbours."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import aiohttp
import asyncpg
import orjson
import pytest

from collector.ingest.handlers import INGEST
from collector.keys import METRICS, WRITER
from collector.model.vocabulary import EVENT_TYPES
from tests.support.app import running_app
from tests.support.client import CHROME, ORIGIN, body, new_id, post, post_no_flush, rows


async def test_every_wire_field_lands_in_its_column(server, site, db):
    ids = [new_id() for _ in range(7)]
    events = [
        {"id": ids[0], "t": "pageview", "ts": 1763800000123},
        {
            "id": ids[1],
            "t": "play",
            "ts": 1763800001000,
            "el": "video#intro",
            "src": "https://cdn.example.nl/intro.mp4?token=secret",
            "pos": 0.0,
            "dur": 120.5,
        },
        {
            "id": ids[2],
            "t": "seek",
            "ts": 1763800040000,
            "el": "video#intro",
            "src": "intro.mp4",
            "from": 30.1,
            "to": 39.0,
            "pos": 90.0,
            "dur": 120.5,
        },
        {"id": ids[3], "t": "click", "ts": 1763800032000, "el": "button#buy", "x": 0.42, "y": 812},
        {
            "id": ids[4],
            "t": "custom",
            "ts": 1763800033000,
            "n": "signup",
            "props": {"plan": "pro", "seats": 3},
        },
        {"id": ids[5], "t": "pageleave", "ts": 1763800050000, "depth": 75, "eng": 48000},
        {
            "id": ids[6],
            "t": "error",
            "ts": 1763800034000,
            "msg": "x is undefined",
            "src": "https://www.example.nl/app.js?v=3",
            "line": 12,
        },
    ]
    url = "https://www.example.nl/tour?id=7&utm_source=news"
    status, headers, text = await post(server, body(site, events, url=url, uid="u-1", sid="s-1"))
    assert (status, text) == (202, "")
    assert headers["Access-Control-Allow-Origin"] == ORIGIN
    stored = {r["client_id"]: r for r in await rows(db, ids)}
    assert len(stored) == 7

    page = stored[ids[0]]
    assert page["type"] == EVENT_TYPES["pageview"] and page["site_id"] == site["id"]
    # the query keeps only PEIL_KEEP_QUERY's parameters (tests/ingest/test_query.py)
    assert (page["host"], page["path"], page["query"]) == (
        "www.example.nl",
        "/tour",
        "utm_source=news",
    )
    assert page["referrer"] == "google.com/search"
    assert (page["screen_w"], page["screen_h"], page["player_version"]) == (1920, 1080, "2.3.1")
    assert (page["uid"], page["sid"]) == ("u-1", "s-1")
    assert page["lang"] == "nl"
    assert (page["browser"], page["browser_version"], page["os"], page["device"]) == (
        "Chrome",
        131,
        "Windows",
        1,
    )
    assert str(page["ip"]) == "203.0.113.0"
    assert page["origin"] == "www.example.nl"
    assert isinstance(page["visitor"], int)
    assert len({r["visitor"] for r in stored.values()}) == 1  # one visitor for the request

    play = stored[ids[1]]
    assert (play["el"], play["src"], play["pos"], play["dur"]) == (
        "video#intro",
        "https://cdn.example.nl/intro.mp4",
        0.0,
        120.5,
    )
    seek = stored[ids[2]]
    assert (seek["from_pos"], seek["to_pos"], seek["pos"]) == (pytest.approx(30.1), 39.0, 90.0)
    click = stored[ids[3]]
    assert (click["el"], click["x"], click["y"]) == ("button#buy", pytest.approx(0.42), 812)
    custom = stored[ids[4]]
    assert custom["name"] == "signup"
    assert orjson.loads(custom["props"]) == {"plan": "pro", "seats": 3}
    leave = stored[ids[5]]
    assert (leave["depth"], leave["eng"]) == (75, 48000)
    error = stored[ids[6]]
    assert (error["name"], error["src"]) == ("x is undefined", "https://www.example.nl/app.js")
    assert orjson.loads(error["props"]) == {"line": 12}

    # Server time, with the client's order and spacing kept within the batch.
    by_ts = sorted(stored.values(), key=lambda r: r["ts"])
    assert [r["client_id"] for r in by_ts] == [ids[i] for i in (0, 1, 3, 4, 6, 2, 5)]
    assert [r["seq"] for r in by_ts] == list(range(7))
    assert (stored[ids[5]]["ts"] - stored[ids[0]]["ts"]).total_seconds() == pytest.approx(
        49.877, abs=0.01
    )


async def test_mixed_batch_keeps_the_valid_events(server, site, db):
    ids = [new_id() for _ in range(4)]
    events = [
        {"id": ids[0], "t": "pageview", "ts": 1},
        {"id": ids[1], "t": "teleport", "ts": 2},
        {"id": ids[2], "t": "click", "ts": 3, "x": "left"},
        "not an object",
        {"id": ids[3], "t": "custom", "ts": 4, "n": '=HYPERLINK("x")', "props": {"a": [1]}},
        {"id": new_id(), "t": "play", "ts": 5, "el": "video"},  # no pos
        {"id": "dup-" + ids[0], "t": "custom", "ts": 6, "n": "ok\x00name"},
    ]
    before = server.app[METRICS].total("dropped:bad_field")
    status, headers, _ = await post(server, body(site, events))
    assert status == 202
    assert headers["X-Peil-Dropped"] == "bad_field=3, bad_props=1, unknown_type=1"
    stored = await rows(db, [ids[0], "dup-" + ids[0]])
    assert [r["type"] for r in stored] == [EVENT_TYPES["pageview"], EVENT_TYPES["custom"]]
    assert stored[1]["name"] == "okname"  # NUL removed, never a failed COPY
    assert server.app[METRICS].total("dropped:bad_field") == before + 3


async def test_retried_event_ids_are_stored_once(server, site, db):
    event = {"id": new_id(), "t": "pageview", "ts": 1}
    for _ in range(3):
        assert (await post(server, body(site, [event])))[0] == 202
    assert len(await rows(db, [event["id"]])) == 1


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (b"{not json", 400, "body is not valid JSON (UTF-8, no NaN or Infinity)"),
        (b"[1, 2]", 400, "body must be a JSON object"),
        (b'"text"', 400, "body must be a JSON object"),
        (
            b'{"site": 1, "url": "https://www.example.nl/", "events": [{"t": "pageview"}]}',
            400,
            "'site' must be the site key string",
        ),
        (
            b'{"site": "k", "url": "https://www.example.nl/", "events": []}',
            400,
            "'events' must be a non-empty list",
        ),
        (b'{"site": "k", "events": [{"t": "pageview"}]}', 400, "'url' must be the page URL string"),
        (b'{"x": NaN}', 400, "body is not valid JSON (UTF-8, no NaN or Infinity)"),
        (b"\xff\xfe{}", 400, "body is not valid JSON (UTF-8, no NaN or Infinity)"),
    ],
)
async def test_bad_bodies_get_400_with_a_reason(server, data, status, error):
    got, _, text = await post(server, data)
    assert got == status
    assert orjson.loads(text) == {"error": error}


async def test_too_large_bodies_get_413(server, site):
    big = body(site, [{"t": "custom", "n": "x", "props": {"p": "y" * 190}}] * 200) * 2
    got, _, text = await post(server, big)
    assert got == 413 and "body over 65536 bytes" in text
    many = body(site, [{"t": "pageview"}] * 201)
    assert len(many) < 65536
    got, _, text = await post(server, many)
    assert got == 413 and "more than 200 events" in text


async def test_unknown_site_and_foreign_origin_get_403(server, site, db):
    event = {"id": new_id(), "t": "pageview"}
    unknown = orjson.dumps(
        {"site": "nosuchsite", "url": "https://www.example.nl/", "events": [event]}
    )
    assert (await post(server, unknown))[0] == 403
    assert (await post(server, body(site, [event]), origin="https://evil.example.com"))[0] == 403
    assert (await post(server, body(site, [event]), origin="https://badexample.nl"))[0] == 403
    foreign_page = body(site, [event], url="https://evil.example.com/")
    assert (await post(server, foreign_page, origin=None))[0] == 403
    assert await rows(db, [event["id"]]) == []
    # Subdomains of a listed domain are welcome.
    assert (await post(server, body(site, [event]), origin="https://shop.example.nl"))[0] == 202


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36",
        "curl/8.5.0",
        "",
    ],
)
async def test_bots_are_answered_but_not_stored(server, site, db, ua):
    event = {"id": new_id(), "t": "pageview"}
    before = server.app[METRICS].total("dropped:bot")
    assert (await post(server, body(site, [event]), ua=ua))[0] == 202
    assert await rows(db, [event["id"]]) == []
    assert server.app[METRICS].total("dropped:bot") == before + 1


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}])
async def test_dnt_and_gpc_requests_are_answered_but_nothing_is_stored(server, site, db, header):
    event = {"id": new_id(), "t": "pageview"}
    before = server.app[METRICS].total("dropped:do_not_track")
    status, _, _ = await post(server, body(site, [event], uid="u", sid="s"), headers=header)
    assert status == 202
    assert await rows(db, [event["id"]]) == []
    assert server.app[METRICS].total("dropped:do_not_track") == before + 1


@pytest.mark.parametrize("header", [{"DNT": "1"}, {"Sec-GPC": "1"}])
async def test_the_pixel_under_dnt_or_gpc_stores_nothing(server, site, db, header):
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{server.url}/api/p.gif",
            params={"site": site["key"], "url": "https://www.example.nl/nojs"},
            headers={"User-Agent": CHROME, "X-Forwarded-For": "203.0.113.8", **header},
        ) as response,
    ):
        assert response.status == 200
    await server.app[WRITER].flush()
    assert await db.fetchval("SELECT count(*) FROM events WHERE path = '/nojs'") == 0


async def test_a_cookieless_site_stores_no_uid_or_sid_even_if_sent(server, db, database_url):
    conn = await asyncpg.connect(database_url)
    try:
        key = await conn.fetchval(
            "INSERT INTO sites (key, name, domains) VALUES ('cookieless1', 'C', '{example.nl}')"
            " RETURNING key"
        )
    finally:
        await conn.close()
    await server.app[INGEST].sites.load()
    event = {"id": new_id(), "t": "pageview"}
    status, _, _ = await post(server, body({"key": key}, [event], uid="u-1", sid="s-1"))
    assert status == 202
    [row] = await rows(db, [event["id"]])
    assert (row["uid"], row["sid"]) == (None, None)


async def test_preflight_only_for_known_origins(server, site):
    async with aiohttp.ClientSession() as http:
        async with http.options(
            f"{server.url}/api/events",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
        ) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
            assert response.headers["Access-Control-Allow-Methods"] == "POST"
        async with http.options(
            f"{server.url}/api/events", headers={"Origin": "https://evil.example.com"}
        ) as response:
            assert response.status == 403
            assert "Access-Control-Allow-Origin" not in response.headers


async def test_pixel_records_a_pageview_and_answers_a_gif(server, site, db):
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{server.url}/api/p.gif",
            params={
                "site": site["key"],
                "url": "https://www.example.nl/no-js",
                "ref": "https://duckduckgo.com/",
            },
            headers={
                "User-Agent": CHROME,
                "Referer": "https://www.example.nl/no-js",
                "X-Forwarded-For": "198.51.100.20",
            },
        ) as response,
    ):
        assert response.status == 200
        assert response.content_type == "image/gif"
        assert (await response.read()).startswith(b"GIF89a")
    await server.app[WRITER].flush()
    row = await db.fetchrow("SELECT * FROM events WHERE path = '/no-js'")
    assert row["type"] == EVENT_TYPES["pageview"] and row["referrer"] == "duckduckgo.com"
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{server.url}/api/p.gif",
            params={"site": "nosuch", "url": "https://x.nl/"},
            headers={"User-Agent": CHROME},
        ) as response,
    ):
        assert response.status == 403
        assert response.content_type == "image/gif"


async def test_metrics_count_accepted_and_dropped(server, site):
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/metrics") as response:
        text = await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    values = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in text.splitlines()
        if not line.startswith("#")
    }
    assert values["peil_events_accepted_total"] >= 7
    assert values['peil_events_dropped_total{reason="unknown_type"}'] >= 1
    assert values['peil_requests_total{status="202"}'] >= 1
    assert values["peil_rows_written_total"] >= 7
    assert values['peil_batch_seconds_bucket{le="+Inf"}'] == values["peil_batch_seconds_count"]
    assert "peil_queue_depth" in values
    # Accepted requests went through the spool (one record each, several per group write);
    # 202s without a record are bots and requests whose events were all dropped.
    assert 1 <= values["peil_spool_writes_total"] <= values["peil_spool_records_total"]
    assert values["peil_spool_records_total"] <= values['peil_requests_total{status="202"}']
    assert values["peil_spool_records_total"] <= values["peil_events_accepted_total"]
    assert values["peil_spool_write_seconds_total"] > 0
    assert values["peil_degraded"] == 0


async def test_rate_limit_answers_429(settings, database_url, site):
    limited = replace(settings, rate_limit=1)
    async with running_app(limited, database_url) as app:
        codes = [
            (await post(app, body(site, [{"t": "pageview"}]), address="192.0.2.99"))[0]
            for _ in range(8)
        ]
        assert codes[:4] == [202] * 4
        assert 429 in codes
        status, headers, _ = await post(app, body(site, [{"t": "pageview"}]), address="192.0.2.99")
        assert status == 429 and headers["Retry-After"] == "5"
        # Another address is not affected.
        assert (await post(app, body(site, [{"t": "pageview"}]), address="192.0.2.100"))[0] == 202


async def test_spool_full_answers_503_with_retry_after(settings, database_url, site):
    # 1 MiB of spool; the writer is stopped, so nothing is ever trimmed.
    app_settings = replace(settings, spool_max_mb=1)
    async with running_app(app_settings, database_url) as app:
        writer = app.app[WRITER]
        writer._stopping = True
        await writer._task
        events = [{"t": "custom", "n": "x" * 100}] * 200  # about 60 kB of rows per request
        codes = [(await post_no_flush(app, body(site, events)))[0] for _ in range(40)]
        assert 503 in codes
        first_503 = codes.index(503)
        assert first_503 >= 10 and set(codes[first_503:]) == {503}
        assert app.app[WRITER].spool.bytes <= 1024 * 1024
        status, headers, answer = await post_no_flush(app, body(site, events))
        assert status == 503 and headers["Retry-After"] == "5"
        assert "spool is full" in answer
        async with aiohttp.ClientSession() as http, http.get(f"{app.url}/healthz") as response:
            assert response.status == 503
            assert (await response.json())["status"] == "unhealthy"


async def test_shutdown_drains_the_queue(settings, database_url, site, db):
    marker = new_id()
    app = running_app(settings, database_url)
    running = await app.__aenter__()
    events = [{"id": f"{marker}-{i}", "t": "pageview"} for i in range(200)]
    await asyncio.gather(
        *(post_no_flush(running, body(site, events[i : i + 20])) for i in range(0, 200, 20))
    )
    await app.__aexit__(None, None, None)  # cleanup drains before the pool closes
    assert (
        await db.fetchval("SELECT count(*) FROM events WHERE client_id LIKE $1", marker + "-%")
        == 200
    )


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(settings, database_url, site, db):
    untrusted = replace(settings, trusted_proxies=())
    event = {"id": new_id(), "t": "pageview"}
    async with running_app(untrusted, database_url) as app:
        status, _, _ = await post(app, body(site, [event]), address="203.0.113.77")
    assert status == 202
    [row] = await rows(db, [event["id"]])
    assert str(row["ip"]) == "127.0.0.0"  # the socket peer, truncated; the header is ignored
