"""Hostile input against the real server and PostgreSQL (issue 7, item 4).

For every input: the documented status (202 when the body is valid and only
events are bad, 400 unparseable or wrong shape, 413 too large, 403 unknown
site or foreign page; never a 500), the valid events of the same batch stored
exactly once (counted by client id), and the server still serving afterwards
(a normal beacon gets 202 and lands).

The slow-loris tests shorten the connection timeouts (collector.app and
collector.ingest.handlers constants, read when an app is made or a body is
read) with monkeypatch, on a server of their own; `peil serve` uses the same
make_app, so the same mechanism with the documented values.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import time
import uuid
import zlib
from dataclasses import replace

import aiohttp
import orjson
import psutil
import pytest

import collector.app
import collector.ingest.handlers
from collector.ingest.validate import MAX_BODY_BYTES
from collector.keys import METRICS, WRITER
from collector.model.vocabulary import EVENT_FIELDS, EVENT_TYPES, MEDIA_TYPES
from dashboard.export import csv_cell
from tests.support.app import running_app
from tests.support.client import CHROME, ORIGIN, body, new_id, post, rows
from tests.support.wait import eventually_async

MB = 1 << 20


async def stored_count(db, client_ids) -> dict[str, int]:
    """How many rows each client id has (ids with none are absent)."""
    found = await db.fetch(
        "SELECT client_id, count(*) AS n FROM events WHERE client_id = ANY($1) GROUP BY 1",
        list(client_ids),
    )
    return {r["client_id"]: r["n"] for r in found}


async def assert_stored_once(db, client_ids) -> None:
    assert await stored_count(db, client_ids) == dict.fromkeys(client_ids, 1)


async def assert_still_serving(server, site, db) -> None:
    """A normal beacon after the hostile one is answered 202 and lands once."""
    event = {"id": new_id(), "t": "pageview"}
    status, _, text = await post(server, body(site, [event]))
    assert (status, text) == (202, "")
    await assert_stored_once(db, [event["id"]])


def batch(of_site, events, /, **fields) -> bytes:
    """Like client.body, serialised by the standard library: it writes integers
    beyond 64 bits, which orjson refuses to."""
    data = {**orjson.loads(body(of_site, [])), "events": events, **fields}
    return json.dumps(data).encode()


def with_raw(data: bytes, marker: str, raw: bytes) -> bytes:
    """`data` with the JSON string `marker` replaced by a raw JSON text (nesting
    deeper than any serialiser writes)."""
    return data.replace(orjson.dumps(marker), raw)


@pytest.fixture(autouse=True)
def _no_poison_rows(server):
    """No input here may reach PostgreSQL as a row it refuses after the 202."""
    before = server.app[METRICS].total("dropped:write_failed")
    yield
    assert server.app[METRICS].total("dropped:write_failed") == before


def error_of(text: str) -> str:
    return orjson.loads(text)["error"]


# --- size --------------------------------------------------------------------


async def _chunks(data: bytes, size: int = 64 * 1024):
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_two_megabyte_body_gets_413(server, site, db, chunked):
    event = {"id": new_id(), "t": "pageview"}
    data = body(site, [event], pad="y" * (2 * MB))
    assert len(data) > 2 * MB
    status, headers, text = await post(server, _chunks(data) if chunked else data)
    assert status == 413
    assert error_of(text) == "body over 65536 bytes"
    assert headers["X-Peil-Dropped"] == "too_large=1"
    assert await stored_count(db, [event["id"]]) == {}
    await assert_still_serving(server, site, db)


def _sized_body(site, event, size: int) -> bytes:
    """A valid one-event body padded with JSON whitespace to exactly `size` bytes."""
    data = body(site, [event])
    return data[:-1] + b" " * (size - len(data)) + data[-1:]


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("extra", [0, 1], ids=["at-the-limit", "one-byte-over"])
async def test_the_limit_holds_for_a_body_that_arrives_with_its_headers(
    server, site, db, chunked, extra
):
    # Sent in one write, so the whole body is in before the handler runs: the
    # handler then reads it at once (no wait, no timeout), and the limit must
    # hold there exactly as for a body still arriving.
    event = {"id": new_id(), "t": "pageview"}
    data = _sized_body(site, event, MAX_BODY_BYTES + extra)
    if chunked:
        framing = b"Transfer-Encoding: chunked\r\n"
        payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
    else:
        framing = b"Content-Length: %d\r\n" % len(data)
        payload = data
    port = int(server.url.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /api/events HTTP/1.1\r\nHost: stats.example.nl\r\nContent-Type: text/plain\r\n"
        + b"Origin: "
        + ORIGIN.encode()
        + b"\r\nUser-Agent: "
        + CHROME.encode()
        + b"\r\n"
        + framing
        + b"Connection: close\r\n\r\n"
        + payload
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 10)
    writer.close()
    await server.app[WRITER].flush()
    status = int(answer.split(b" ", 2)[1])
    if extra:
        assert status == 413
        assert await stored_count(db, [event["id"]]) == {}
    else:
        assert status == 202
        await assert_stored_once(db, [event["id"]])
    await assert_still_serving(server, site, db)


# --- bodies that are not JSON, or not the documented shape -------------------

NOT_JSON = "body is not valid JSON (UTF-8, no NaN or Infinity)"


def _valid_batch_text(site, client_id: str) -> bytes:
    return body(site, [{"id": client_id, "t": "pageview"}])


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _with(site, client_id: str, raw_event_field: bytes) -> bytes:
    """A batch whose one event carries a raw JSON literal (as `x`)."""
    return (
        b'{"site": "' + site["key"].encode() + b'", "url": "https://www.example.nl/", '
        b'"events": [{"id": "'
        + client_id.encode()
        + b'", "t": "click", "x": '
        + raw_event_field
        + b"}]}"
    )


UNPARSEABLE = {
    "truncated": lambda site, cid: _valid_batch_text(site, cid)[:-7],
    "truncated_in_string": lambda site, cid: _valid_batch_text(site, cid)[:40],
    "empty": lambda site, cid: b"",
    "nan": lambda site, cid: _with(site, cid, b"NaN"),
    "infinity": lambda site, cid: _with(site, cid, b"Infinity"),
    "minus_infinity": lambda site, cid: _with(site, cid, b"-Infinity"),
    "number_1e400": lambda site, cid: _with(site, cid, b"1e400"),
    "number_minus_1e400": lambda site, cid: _with(site, cid, b"-1e400"),
    "invalid_utf8": lambda site, cid: _with(site, cid, b'"caf\xe9"'),
    "utf8_encoded_surrogate": lambda site, cid: _with(site, cid, b'"\xed\xa0\x80"'),
    "lone_high_surrogate": lambda site, cid: _with(site, cid, b'"\\ud800"'),
    "lone_low_surrogate": lambda site, cid: _with(site, cid, b'"\\udc00x"'),
    "nested_10000_as_field": lambda site, cid: _with(site, cid, _nested(10_000)),
    "nested_10000_in_props": lambda site, cid: (
        b'{"site": "' + site["key"].encode() + b'", "url": "https://www.example.nl/", '
        b'"events": [{"id": "' + cid.encode() + b'", "t": "custom", "n": "x", '
        b'"props": {"deep": ' + _nested(10_000) + b"}}]}"
    ),
    "nested_10000_at_top": lambda site, cid: _nested(10_000),
}


@pytest.mark.parametrize("make", UNPARSEABLE.values(), ids=UNPARSEABLE.keys())
async def test_unparseable_bodies_get_400(server, site, db, make):
    client_id = new_id()
    data = make(site, client_id)
    assert len(data) <= 65536
    status, headers, text = await post(server, data)
    assert status == 400
    assert error_of(text) == NOT_JSON
    assert headers["X-Peil-Dropped"] == "bad_body=1"
    assert await stored_count(db, [client_id]) == {}
    await assert_still_serving(server, site, db)


@pytest.mark.parametrize(
    "data", [b"[]", b'[{"site": "k"}]', b'"text"', b"42", b"-1.5", b"null", b"true", b"{}"]
)
async def test_json_that_is_not_an_object_gets_400(server, site, db, data):
    status, _, text = await post(server, data)
    assert status == 400
    assert error_of(text) in ("body must be a JSON object", "'site' must be the site key string")
    await assert_still_serving(server, site, db)


async def test_nesting_below_the_parser_limit_only_drops_the_event(server, site, db):
    # 1,000 levels parse (orjson's limit is 1,024): nothing recursive downstream.
    kept, nested_props = new_id(), new_id()
    events = [
        {"id": kept, "t": "pageview"},
        {"id": nested_props, "t": "custom", "n": "x", "props": {"deep": "DEEP"}},
        "DEEP",
    ]
    data = with_raw(body(site, events, ref="DEEP", pv="DEEP"), "DEEP", _nested(1000))
    status, headers, _ = await post(server, data)
    assert status == 202
    assert headers["X-Peil-Dropped"] == "bad_field=1, bad_props=1"
    await assert_stored_once(db, [kept])
    assert await stored_count(db, [nested_props]) == {}
    [row] = await rows(db, [kept])
    assert (row["referrer"], row["player_version"]) == (None, None)
    await assert_still_serving(server, site, db)


# --- wrong types in the body's fields ----------------------------------------

WRONG_TYPES = [17, -1.5, True, False, None, [], ["x"], {}, {"a": "b"}]


@pytest.mark.parametrize("field", ["site", "url", "events"])
@pytest.mark.parametrize("value", [*WRONG_TYPES, "", "wrong"], ids=repr)
async def test_wrong_required_field_gets_400_or_403(server, site, db, field, value):
    event = {"id": new_id(), "t": "pageview"}
    status, headers, text = await post(server, batch(site, [event], **{field: value}))
    if field == "events" and isinstance(value, list) and value:
        # A list of something else is the right shape: its items are dropped.
        assert status == 202 and headers["X-Peil-Dropped"] == f"bad_field={len(value)}"
    elif isinstance(value, str) and value and field != "events":
        # A string is the right type: an unknown key, or a page not on the site.
        assert status == 403
        assert error_of(text) in ("unknown site", "the page url is not on the site's domains")
    else:
        assert status == 400
        assert (
            error_of(text)
            == {
                "site": "'site' must be the site key string",
                "url": "'url' must be the page URL string",
                "events": "'events' must be a non-empty list",
            }[field]
        )
    assert await stored_count(db, [event["id"]]) == {}
    await assert_still_serving(server, site, db)


OPTIONAL_FIELDS = {
    "ref": "referrer",
    "sw": "screen_w",
    "sh": "screen_h",
    "pv": "player_version",
    "uid": "uid",
    "sid": "sid",
}


@pytest.mark.parametrize("field", OPTIONAL_FIELDS)
async def test_wrong_optional_field_is_stored_as_null(server, site, db, field):
    numeric = field in ("sw", "sh")
    wrong = [v for v in WRONG_TYPES if v is not None and not (numeric and v == 17)]
    wrong += ["1920", 0, -1, 40000, 99999999999999999999999] if numeric else []
    ids = []
    for value in wrong:
        event = {"id": new_id(), "t": "pageview"}
        ids.append(event["id"])
        status, _, _ = await post(server, batch(site, [event], **{field: value}))
        assert status == 202, value
    stored = await rows(db, ids)
    assert len(stored) == len(ids)
    assert [r[OPTIONAL_FIELDS[field]] for r in stored] == [None] * len(ids)
    await assert_stored_once(db, ids)


# --- wrong types in every field of every event kind --------------------------

TEXT_FIELDS = {"id", "el", "src", "n", "msg"}
NUMBER_FIELDS = {"ts", "pos", "from", "to", "dur", "x", "y", "depth", "eng", "line", "code"}
COMMON = {"id", "t", "ts", "el"}
READS = {
    **{kind: COMMON | {"src", "pos", "from", "to", "dur"} for kind in MEDIA_TYPES},
    "pageview": COMMON,
    # interactions on or beside a playing medium carry its timecode (src, pos)
    "eleOn": COMMON | {"src", "pos"},
    "eleOff": COMMON | {"src", "pos"},
    "click": COMMON | {"x", "y", "src", "pos"},
    "hover": COMMON | {"x", "y", "src", "pos"},
    "pageleave": COMMON | {"depth", "eng"},
    "custom": COMMON | {"n", "props"},
    "error": COMMON | {"src", "pos", "dur", "msg", "line", "code"},
}
WRONG_TEXT = [17, -1.5, True, False, [], ["x"], {}, {"a": "b"}]
WRONG_NUMBER = ["1", True, False, [], [1], {}, {"a": 1}, -1, 99999999999999999999999, 2**64 - 1]
WRONG_PROPS = ["x", 1, True, [], [1], {"a": [1]}, {"a": {"b": 1}}, {str(i): i for i in range(21)}]
WRONG_KIND = [17, None, "teleport", "PAGEVIEW", ["pageview"], {"t": "pageview"}]


def valid_event(kind: str) -> dict:
    event = {"id": new_id(), "t": kind, "ts": 1763800000000}
    if kind in MEDIA_TYPES:
        event |= {"el": "video#intro", "src": "intro.mp4", "pos": 1.5, "dur": 120.0}
    elif kind == "custom":
        event |= {"n": "signup", "props": {"plan": "pro"}}
    elif kind == "error":
        event |= {"msg": "boom", "line": 3}
    elif kind in ("click", "hover"):
        event |= {"x": 0.5, "y": 10}
    elif kind == "pageleave":
        event |= {"depth": 50, "eng": 1000}
    return event


def wrong_values(field: str) -> list:
    if field == "t":
        return WRONG_KIND
    if field == "props":
        return WRONG_PROPS
    return WRONG_TEXT if field in TEXT_FIELDS else WRONG_NUMBER


def kept_with(kind: str, field: str, value) -> bool:
    """Whether an event of `kind` with `field` set to a wrong `value` is still stored."""
    if field not in READS[kind]:
        return True  # a field this kind never has is ignored
    if field in ("line", "code"):
        # Extra detail of a script error: a non-integer is left out, an integer
        # beyond JSON's exact range drops the event (bad_props). Past 64 bits
        # the server reads a float, which is left out too.
        return not (type(value) is int and 2**53 < abs(value) < 2**64)
    return False


@pytest.mark.parametrize("kind", EVENT_TYPES)
async def test_wrong_value_in_any_event_field_drops_only_that_event(server, site, db, kind):
    path = f"/kinds/{uuid.uuid4().hex}"
    neighbours = [valid_event(kind), valid_event("pageview")]
    events, expected = list(neighbours), [e["id"] for e in neighbours]
    for field in EVENT_FIELDS:
        for value in wrong_values(field):
            event = valid_event(kind) | {field: value}
            events.append(event)
            if kept_with(kind, field, value):
                expected.append(event["id"])
    assert len(events) <= 200
    status, headers, _ = await post(
        server, batch(site, events, url=f"https://www.example.nl{path}")
    )
    assert status == 202
    dropped = sum(int(part.split("=")[1]) for part in headers["X-Peil-Dropped"].split(", "))
    assert dropped == len(events) - len(expected)
    all_ids = [e["id"] for e in events if isinstance(e.get("id"), str)]
    assert await stored_count(db, all_ids) == dict.fromkeys(expected, 1)
    # Events whose own id was the wrong value cannot be found by id: count the page.
    assert await db.fetchval("SELECT count(*) FROM events WHERE path = $1", path) == len(expected)
    await assert_still_serving(server, site, db)


async def test_events_that_are_not_objects_are_dropped(server, site, db):
    kept = new_id()
    events = [{"id": kept, "t": "pageview"}, "pageview", 1, None, [], [{"t": "pageview"}], True]
    status, headers, _ = await post(server, body(site, events))
    assert status == 202
    assert headers["X-Peil-Dropped"] == "bad_field=6"
    await assert_stored_once(db, [kept])


async def test_huge_numbers_are_dropped_or_kept_as_floats(server, site, db):
    # Beyond 64 bits orjson reads an integer as a float; beyond a double, 400 (above).
    huge = 99999999999999999999999
    ids = [new_id() for _ in range(5)]
    events = [
        {"id": ids[0], "t": "click", "x": 0.5, "y": huge},
        {"id": ids[1], "t": "pageview", "ts": huge},
        {"id": ids[2], "t": "custom", "n": "big", "props": {"n": huge, "m": 2**53}},
        {"id": ids[3], "t": "custom", "n": "int", "props": {"n": 2**60}},
        {"id": ids[4], "t": "play", "pos": 1e308},
    ]
    status, headers, _ = await post(server, batch(site, events, sw=huge))
    assert status == 202
    assert headers["X-Peil-Dropped"] == "bad_field=3, bad_props=1"
    [row] = await rows(db, ids)
    assert row["client_id"] == ids[2]
    assert orjson.loads(row["props"]) == {"n": 1e23, "m": 2**53}
    assert row["screen_w"] is None


# --- long strings, foreign schemes, NULs, RTL, formulas ----------------------


async def test_10000_character_urls_and_referrers_are_cut(server, site, db):
    ids = [new_id() for _ in range(3)]
    long_path = "https://www.example.nl/" + "p" * 10_000
    long_query = "https://www.example.nl/q?" + "ref=v&" * 2_000
    long_ref = "https://www.google.com/" + "r" * 10_000
    for client_id, url in zip(ids, (long_path, long_query, long_path), strict=True):
        ref = long_ref if url is long_path else None
        status, _, _ = await post(
            server, body(site, [{"id": client_id, "t": "pageview"}], url=url, ref=ref)
        )
        assert status == 202
    stored = {r["client_id"]: r for r in await rows(db, ids)}
    await assert_stored_once(db, ids)
    # README: path 1,000 characters, kept query parameters 1,000 (whole ones), referrer
    # path 200; the page URL itself is cut to 2,048 first.
    assert stored[ids[0]]["path"] == "/" + "p" * 999
    assert stored[ids[1]]["query"] == "&".join(["ref=v"] * 166)  # 166 * 6 - 1 = 995
    assert stored[ids[1]]["path"] == "/q"
    assert stored[ids[2]]["referrer"] == "google.com/" + "r" * 199
    assert len(stored[ids[2]]["referrer"]) == len("google.com") + 200


async def test_10000_character_host_is_not_on_the_site(server, site, db):
    event = {"id": new_id(), "t": "pageview"}
    url = "https://" + "a" * 10_000 + ".example.nl/"
    status, _, text = await post(server, body(site, [event], url=url), origin=None)
    assert status == 403 and error_of(text) == "the page url is not on the site's domains"
    assert await stored_count(db, [event["id"]]) == {}
    await assert_still_serving(server, site, db)


FOREIGN_SCHEMES = [
    "data:text/html,<script>alert(1)</script>",
    "javascript:alert(document.cookie)",
    "JavaScript://www.example.nl/%0aalert(1)",
    "file:///etc/passwd",
    "//www.example.nl/no-scheme",
]


@pytest.mark.parametrize("url", FOREIGN_SCHEMES)
async def test_non_http_page_url_gets_403(server, site, db, url):
    event = {"id": new_id(), "t": "pageview"}
    for origin in (ORIGIN, None):
        status, _, text = await post(server, body(site, [event], url=url), origin=origin)
        assert status == 403
        assert error_of(text) == "the page url is not on the site's domains"
    assert await stored_count(db, [event["id"]]) == {}
    await assert_still_serving(server, site, db)


async def test_non_http_referrer_is_stored_as_null(server, site, db):
    ids = [new_id() for _ in FOREIGN_SCHEMES]
    for client_id, ref in zip(ids, FOREIGN_SCHEMES, strict=True):
        status, _, _ = await post(server, body(site, [{"id": client_id, "t": "pageview"}], ref=ref))
        assert status == 202
    assert [r["referrer"] for r in await rows(db, ids)] == [None] * len(ids)
    await assert_stored_once(db, ids)


async def test_nul_characters_are_removed_from_every_string(server, site, db):
    raw_ids = [f"nul\x00{new_id()}" for _ in range(5)]
    ids = [raw.replace("\x00", "") for raw in raw_ids]
    events = [
        {"id": raw_ids[0], "t": "click", "el": "button\x00#buy", "x": 0.1, "y": 1},
        {"id": raw_ids[1], "t": "play", "el": "video", "src": "in\x00tro.mp4?t=\x00", "pos": 1},
        {"id": raw_ids[2], "t": "custom", "n": "sign\x00up", "props": {"pl\x00an": "pr\x00o"}},
        {"id": raw_ids[3], "t": "error", "msg": "x is\x00 undefined", "line": 1},
        {"id": raw_ids[4], "t": "pageview"},
    ]
    data = body(
        site,
        events,
        url="https://www.exa\x00mple.nl/pa\x00th?re\x00f=\x001",
        ref="https://www.goo\x00gle.com/se\x00arch",
        pv="2.\x003",
        uid="u\x001",
        sid="s\x001",
    )
    status, _, _ = await post(server, data)
    assert status == 202
    await assert_stored_once(db, ids)
    stored = {r["client_id"]: r for r in await rows(db, ids)}
    for row in stored.values():
        assert (row["host"], row["path"], row["query"]) == ("www.example.nl", "/path", "ref=1")
        assert (row["referrer"], row["player_version"]) == ("google.com/search", "2.3")
        assert (row["uid"], row["sid"]) == ("u1", "s1")
    assert stored[ids[0]]["el"] == "button#buy"
    assert stored[ids[1]]["src"] == "intro.mp4"
    assert stored[ids[2]]["name"] == "signup"
    assert orjson.loads(stored[ids[2]]["props"]) == {"plan": "pro"}
    assert stored[ids[3]]["name"] == "x is undefined"


async def test_nul_only_strings_count_as_absent(server, site, db):
    kept = new_id()
    events = [
        {"id": kept, "t": "pageview", "el": "\x00\x00"},
        {"id": new_id(), "t": "custom", "n": "\x00"},  # a custom event needs a name
    ]
    status, headers, _ = await post(server, body(site, events))
    assert status == 202 and headers["X-Peil-Dropped"] == "bad_field=1"
    [row] = await rows(db, [kept])
    assert row["el"] is None
    status, _, text = await post(server, body(site, events, url="\x00"))
    assert status == 400 and error_of(text) == "'url' must be the page URL string"
    status, _, text = await post(server, batch(site, events, site="\x00"))
    assert status == 403


async def test_nul_in_the_pixel_query_is_removed(server, site, db):
    marker = uuid.uuid4().hex
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{server.url}/api/p.gif?site={site['key']}"
            f"&url=https://www.example.nl/px%00{marker}&ref=https://duck%00duckgo.com/a%00b",
            headers={"User-Agent": CHROME, "X-Forwarded-For": "198.51.100.21"},
        ) as response,
    ):
        assert response.status == 200
    await server.app[WRITER].flush()
    [row] = await db.fetch("SELECT * FROM events WHERE path = $1", f"/px{marker}")
    assert row["referrer"] == "duckduckgo.com/ab"


async def test_src_that_urlsplit_refuses_is_kept_as_text(server, site, db):
    # urlsplit raises on these ("Invalid IPv6 URL", NFKC look-alikes); that used to be a 500.
    sources = [
        "http://[x?token=1",
        "//[::1?a",
        "https://a\uff03b/v.mp4?sig=s",
        "http://ex\u2100ample.com/?q",
    ]
    ids = [new_id() for _ in sources]
    events = [
        {"id": cid, "t": "play", "pos": 0, "src": src}
        for cid, src in zip(ids, sources, strict=True)
    ]
    status, _, _ = await post(server, body(site, events))
    assert status == 202
    stored = {r["client_id"]: r["src"] for r in await rows(db, ids)}
    assert stored == {
        ids[0]: "http://[x",
        ids[1]: "//[::1",
        ids[2]: "https://a\uff03b/v.mp4",
        ids[3]: "http://ex\u2100ample.com/",
    }
    await assert_still_serving(server, site, db)


async def test_rtl_override_is_stored_as_text(server, site, db):
    # Bidirectional controls are only text: stored as sent, shown as text by
    # the dashboard (never HTML), exported as text.
    rlo = "\u202e"
    ids = [new_id() for _ in range(2)]
    events = [
        {"id": ids[0], "t": "custom", "n": f"buy{rlo}exe.pdf", "props": {f"k{rlo}": f"v{rlo}"}},
        {"id": ids[1], "t": "click", "el": f"a#{rlo}nigol", "x": 0.5, "y": 1},
    ]
    status, _, _ = await post(server, body(site, events, url=f"https://www.example.nl/{rlo}fdp"))
    assert status == 202
    stored = {r["client_id"]: r for r in await rows(db, ids)}
    assert stored[ids[0]]["name"] == f"buy{rlo}exe.pdf"
    assert orjson.loads(stored[ids[0]]["props"]) == {f"k{rlo}": f"v{rlo}"}
    assert stored[ids[1]]["el"] == f"a#{rlo}nigol"
    assert stored[ids[1]]["path"] == f"/{rlo}fdp"


async def test_formula_event_names_are_stored_as_is_and_neutralised_in_csv(server, site, db):
    names = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    ids = [new_id() for _ in names]
    events = [{"id": i, "t": "custom", "n": n} for i, n in zip(ids, names, strict=True)]
    assert (await post(server, body(site, events)))[0] == 202
    stored = {r["client_id"]: r["name"] for r in await rows(db, ids)}
    assert [stored[i] for i in ids] == names
    # The CSV export (dashboard/export.py) prefixes them so no spreadsheet runs them.
    assert [csv_cell("name", n) for n in names] == ["'" + n for n in names]


# --- compressed bodies -------------------------------------------------------

COMPRESSED = "compressed bodies are not accepted (Content-Encoding)"


def _compress(data: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    if encoding == "deflate":
        return zlib.compress(data)
    return data  # "br" and others: refused on the header alone


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "GZIP", "br", "x-gzip"])
async def test_compressed_bodies_get_400(server, site, db, encoding):
    event = {"id": new_id(), "t": "pageview"}
    data = _compress(body(site, [event]), encoding.lower())
    status, headers, text = await post(server, data, headers={"Content-Encoding": encoding})
    assert status == 400
    assert error_of(text) == COMPRESSED
    assert headers["X-Peil-Dropped"] == "bad_body=1"
    assert await stored_count(db, [event["id"]]) == {}
    # Explicit identity is no compression.
    ok = {"id": new_id(), "t": "pageview"}
    status, _, _ = await post(server, body(site, [ok]), headers={"Content-Encoding": "identity"})
    assert status == 202
    await assert_stored_once(db, [ok["id"]])


def _bomb(encoding: str, inflated: int = 100 * MB) -> bytes:
    """`inflated` zero bytes compressed, built without holding them in memory."""
    wbits = 31 if encoding == "gzip" else 15
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(MB)
    return b"".join(packer.compress(block) for _ in range(inflated // MB)) + packer.flush()


async def _peak_rss_during(coro) -> tuple[object, int]:
    """The coroutine's result and this process's peak RSS growth (bytes) meanwhile."""
    process = psutil.Process(os.getpid())
    start = process.memory_info().rss
    peak = start
    done = asyncio.Event()

    async def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            await asyncio.sleep(0.002)

    sampler = asyncio.create_task(sample())
    try:
        result = await coro
    finally:
        done.set()
        await sampler
    return result, max(peak, process.memory_info().rss) - start


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_compression_bomb_is_refused_without_inflating(server, site, db, encoding, chunked):
    bomb = _bomb(encoding)
    assert 64 * 1024 < len(bomb) < 200 * 1024  # 100 MB inflated from ~100 KB
    sent = _chunks(bomb, 8192) if chunked else bomb
    started = time.monotonic()
    (status, _, text), growth = await _peak_rss_during(
        post(server, sent, headers={"Content-Encoding": encoding})
    )
    assert (status, error_of(text)) == (400, COMPRESSED)
    assert growth < 20 * MB  # the server (this process) never holds the 100 MB
    assert time.monotonic() - started < 3
    await assert_still_serving(server, site, db)


# --- who is asking -----------------------------------------------------------


async def test_spoofed_forwarded_for_from_an_untrusted_peer(settings, database_url, site, db):
    untrusted = replace(settings, trusted_proxies=())
    ids = [new_id() for _ in range(3)]
    spoofs = ["203.0.113.77", "10.0.0.1, 8.8.8.8", "not-an-address"]
    async with running_app(untrusted, database_url) as app:
        for client_id, spoof in zip(ids, spoofs, strict=True):
            event = {"id": client_id, "t": "pageview"}
            status, _, _ = await post(app, body(site, [event]), address=spoof)
            assert status == 202
    await assert_stored_once(db, ids)
    # The socket peer, truncated; the header is ignored.
    assert {str(r["ip"]) for r in await rows(db, ids)} == {"127.0.0.0"}


async def test_unknown_site_gets_403(server, site, db):
    ids = [new_id() for _ in range(3)]
    for key, client_id in zip(
        ["nosuchsite", site["key"].upper(), site["key"] + " "], ids, strict=True
    ):
        status, headers, text = await post(
            server, batch(site, [{"id": client_id, "t": "pageview"}], site=key)
        )
        assert status == 403 and error_of(text) == "unknown site"
        assert headers["X-Peil-Dropped"] == "unknown_site=1"
    assert await stored_count(db, ids) == {}
    await assert_still_serving(server, site, db)


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36",
        "Wget/1.21.4",
    ],
)
async def test_bot_user_agents_get_202_and_nothing_is_stored(server, site, db, ua):
    events = [valid_event("pageview"), valid_event("click")]
    status, _, _ = await post(server, body(site, events), ua=ua)
    assert status == 202
    assert await stored_count(db, [e["id"] for e in events]) == {}
    await assert_still_serving(server, site, db)


# --- slow loris --------------------------------------------------------------


@pytest.fixture
async def quick_timeouts(monkeypatch, settings, database_url, site):
    """A server of its own whose connection timeouts are a second or two."""
    monkeypatch.setattr(collector.app, "IDLE_TIMEOUT_S", 1.5)
    monkeypatch.setattr(collector.app, "LINGER_S", 0.5)
    monkeypatch.setattr(collector.ingest.handlers, "BODY_TIMEOUT_S", 1.0)
    async with running_app(settings, database_url) as app:
        yield app


async def _open(app):
    port = int(app.url.rsplit(":", 1)[1])
    return await asyncio.open_connection("127.0.0.1", port)


async def _connected(app, n: int) -> None:
    """Until the server holds `n` open connections (accepted, with a handler each)."""
    await eventually_async(
        lambda: len(app.runner.server.connections) >= n, what=f"{n} connections on the server"
    )


async def _closed_after(reader) -> tuple[bytes, float]:
    """What the server still sent, and the seconds until it closed the connection.

    Read as it arrives: a client that keeps writing after the server closed
    gets a reset, which would discard an answer still unread in the buffer.
    """
    started = time.monotonic()
    received = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), 10):
            received += chunk
    except ConnectionResetError:
        pass  # closed, with a reset because our writes kept coming
    return received, time.monotonic() - started


async def test_slow_headers_are_cut_off_while_others_are_served(quick_timeouts, site, db):
    app = quick_timeouts
    head = b"POST /api/events HTTP/1.1\r\nHost: stats.example.nl\r\nUser-Agent: x\r\n"
    lorises = [await _open(app) for _ in range(20)]

    async def trickle(writer):
        # One byte every half second: never a complete header block.
        for byte in head:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.5)

    tricklers = [asyncio.create_task(trickle(w)) for _, w in lorises]
    waits = [asyncio.create_task(_closed_after(r)) for r, _ in lorises]
    await _connected(app, len(lorises))
    await assert_still_serving(app, site, db)  # served while they hang
    for received, seconds in await asyncio.gather(*waits):
        assert received == b""  # nothing to answer: closed
        assert seconds < 1.5 + 1.0
    for task in tricklers:
        task.cancel()
    await asyncio.gather(*tricklers, return_exceptions=True)
    for _, writer in lorises:
        writer.close()
    await assert_still_serving(app, site, db)


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickled"])
async def test_unfinished_body_gets_400_and_the_connection_is_closed(
    quick_timeouts, site, db, trickle
):
    app = quick_timeouts
    reader, writer = await _open(app)
    writer.write(
        b"POST /api/events HTTP/1.1\r\nHost: stats.example.nl\r\nContent-Type: text/plain\r\n"
        b'Content-Length: 1000\r\n\r\n{"site": '
    )
    await writer.drain()

    async def drip():
        while trickle:
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.3)

    dripping = asyncio.create_task(drip())
    waiting = asyncio.create_task(_closed_after(reader))
    await _connected(app, 1)
    await assert_still_serving(app, site, db)  # served while that body hangs
    received, seconds = await waiting
    dripping.cancel()
    await asyncio.gather(dripping, return_exceptions=True)
    writer.close()
    head, _, answer = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert orjson.loads(answer) == {"error": "body not received within 1 s"}
    # Body timeout (1 s) plus the lingering drain (0.5 s), then closed.
    assert seconds < 1.0 + 0.5 + 1.0
    await assert_still_serving(app, site, db)


async def test_idle_keep_alive_connection_is_closed(quick_timeouts, site, db):
    app = quick_timeouts
    reader, writer = await _open(app)
    event = {"id": new_id(), "t": "pageview"}
    data = body(site, [event])
    writer.write(
        b"POST /api/events HTTP/1.1\r\nHost: stats.example.nl\r\nOrigin: "
        + ORIGIN.encode()
        + b"\r\nUser-Agent: "
        + CHROME.encode()
        + b"\r\nContent-Length: "
        + str(len(data)).encode()
        + b"\r\n\r\n"
        + data
    )
    await writer.drain()
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 202 ")
    received, seconds = await _closed_after(reader)  # then silence: idle timeout
    writer.close()
    assert received == b""
    assert seconds < 1.5 + 1.0
    await app.app[WRITER].flush()
    await assert_stored_once(db, [event["id"]])
