"""Each step of the pipeline on its own (receive, validate, enrich, encode),
on an Incoming as the steps before it leave it, and STEPS run in order.

No server and no database: a mocked aiohttp request and an Ingest of
stand-ins (sites and salts in memory, GeoIP off, metrics private)."""

from __future__ import annotations

import asyncio
from ipaddress import ip_address, ip_network
from types import SimpleNamespace
from unittest import mock

import orjson
import pytest
from aiohttp.streams import StreamReader
from aiohttp.test_utils import make_mocked_request

from collector.durable.copy_format import COLUMNS, row_values, split_rows
from collector.durable.dedup import RecentIds
from collector.ingest import pipeline
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.visitor_hash import visitor_hash
from collector.ingest.pipeline import STEPS, Incoming, Ingest, run
from collector.ingest.ratelimit import RateLimiter
from collector.ingest.sites import SiteInfo
from collector.ingest.validate import Refused
from collector.metrics import Metrics
from tests.support.client import CHROME

SITE = SiteInfo(7, ("example.nl",), "required")
SALT = bytes(range(32))
PEER = "127.0.0.1"  # a trusted proxy in these tests
CLIENT = "203.0.113.77"
HEADERS = {
    "User-Agent": CHROME,
    "Origin": "https://www.example.nl",
    "Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8",
    "X-Forwarded-For": CLIENT,
}
PAGE = "https://www.example.nl/tour?id=7"


class Sites:
    async def get(self, key: str) -> SiteInfo | None:
        return SITE if key == "key" else None


class Salts:
    async def salt_now(self) -> bytes:
        return SALT


def ingest(rate_per_second: float = 0) -> Ingest:
    settings = SimpleNamespace(
        trusted_proxies=(ip_network("127.0.0.0/8"),),
        ipv4_prefix=24,
        ipv6_prefix=48,
        keep_query=("id",),
    )
    return Ingest(
        settings=settings,  # type: ignore[arg-type]
        sites=Sites(),  # type: ignore[arg-type]
        salts=Salts(),  # type: ignore[arg-type]
        geoip=GeoIP.disabled(),
        spool=None,  # type: ignore[arg-type]
        recent_ids=RecentIds(),
        limiter=RateLimiter(rate_per_second, 0),
        metrics=Metrics(),
    )


def body(events: list, **fields) -> bytes:
    return orjson.dumps({"site": "key", "url": PAGE, "events": events, **fields})


def http(method: str = "POST", path: str = "/api/events", data: bytes = b"", **headers):
    reader = StreamReader(mock.Mock(_reading_paused=False), 2**16, loop=asyncio.get_running_loop())
    reader.feed_data(data)
    reader.feed_eof()
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda key, default=None: (
        (PEER, 40000) if key == "peername" else default
    )
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    return make_mocked_request(
        method, path, headers={**HEADERS, **sent}, payload=reader, transport=transport
    )


def incoming(request, process: Ingest | None = None) -> Incoming:
    return Incoming(process or ingest(), request, body_timeout_s=1.0)


async def received(events: list, process: Ingest | None = None, **headers) -> Incoming:
    """An Incoming as receive leaves it."""
    step = incoming(http(data=body(events), **headers), process)
    assert await pipeline.receive(step)
    return step


async def validated(events: list, **headers) -> Incoming:
    step = await received(events, **headers)
    assert await pipeline.validate(step)
    return step


async def enriched(events: list, **headers) -> Incoming:
    step = await validated(events, **headers)
    assert await pipeline.enrich(step)
    return step


def test_the_steps_are_receive_validate_enrich_encode():
    assert [step.__name__ for step in STEPS] == ["receive", "validate", "enrich", "encode"]


# --- receive -----------------------------------------------------------------


async def test_receive_locates_the_client_and_reads_the_body():
    data = body([{"t": "pageview"}])
    step = incoming(http(data=data))
    assert await pipeline.receive(step)
    assert step.address == ip_address(CLIENT)  # X-Forwarded-For: the peer is trusted
    assert step.body == data


async def test_receive_reads_no_body_for_the_pixel():
    step = incoming(http("GET", f"/api/p.gif?site=key&url={PAGE}"))
    assert await pipeline.receive(step)
    assert step.body is None


async def test_receive_refuses_an_address_over_its_rate():
    process = ingest(rate_per_second=0.001)
    await received([{"t": "pageview"}], process)  # the first one passes
    with pytest.raises(Refused) as refused:
        await received([{"t": "pageview"}], process)
    assert (refused.value.status, refused.value.reason) == (429, "rate_limited")


@pytest.mark.parametrize(
    ("headers", "data", "status", "reason"),
    [
        ({"Content-Encoding": "gzip"}, b"{}", 400, "bad_body"),
        ({}, b"x" * (64 * 1024 + 1), 413, "too_large"),
    ],
)
async def test_receive_refuses_bodies_it_must_not_read(headers, data, status, reason):
    with pytest.raises(Refused) as refused:
        await pipeline.receive(incoming(http(data=data, **headers)))
    assert (refused.value.status, refused.value.reason) == (status, reason)


# --- validate ----------------------------------------------------------------


async def test_validate_keeps_the_valid_new_events_and_counts_the_others():
    process = ingest()
    process.recent_ids.remember(SITE.id, ["seen"])
    events = [
        {"t": "pageview", "id": "a"},
        {"t": "nope", "id": "b"},
        {"t": "click", "id": "c", "x": 2},
        {"t": "pageview", "id": "seen"},
        {"t": "pageview", "id": "a"},
    ]
    step = await received(events, process)
    assert await pipeline.validate(step)
    assert (step.batch.url, step.site, step.origin) == (PAGE, SITE, "www.example.nl")
    assert [e.client_id for e in step.events] == ["a"]
    assert step.dropped == {"unknown_type": 1, "bad_field": 1, "duplicate": 2}
    assert process.metrics.total("dropped:duplicate") == 2


async def test_validate_leaves_nothing_to_do_when_no_event_is_valid():
    step = await received([{"t": "nope"}])
    assert not await pipeline.validate(step)
    assert step.dropped == {"unknown_type": 1}


async def test_validate_answers_bots_without_storing():
    step = await received([{"t": "pageview"}] * 3, User_Agent="curl/8.5.0")
    assert not await pipeline.validate(step)
    assert step.events == [] and step.dropped == {}
    assert step.ingest.metrics.total("dropped:bot") == 3


@pytest.mark.parametrize(
    ("data", "headers", "status", "reason"),
    [
        (b"[1]", {}, 400, "bad_body"),
        (orjson.dumps({"site": "other", "url": PAGE, "events": [{}]}), {}, 403, "unknown_site"),
        (body([{}], url="https://elsewhere.test/"), {}, 403, "foreign_origin"),
        (body([{}]), {"Origin": "https://elsewhere.test"}, 403, "foreign_origin"),
    ],
)
async def test_validate_refuses_requests_that_cannot_speak_for_a_site(
    data, headers, status, reason
):
    step = incoming(http(data=data, **headers))
    await pipeline.receive(step)
    with pytest.raises(Refused) as refused:
        await pipeline.validate(step)
    assert (refused.value.status, refused.value.reason) == (status, reason)


async def test_validate_takes_the_pixels_query_as_its_batch():
    step = incoming(http("GET", f"/api/p.gif?site=key&url={PAGE}&ref=https://a.test/"))
    await pipeline.receive(step)
    assert await pipeline.validate(step)
    assert (step.batch.url, step.batch.ref) == (PAGE, "https://a.test/")
    assert [e.type for e in step.events] == [1]


# --- enrich ------------------------------------------------------------------


async def test_enrich_works_out_the_request_columns_from_headers_and_address():
    step = await enriched([{"t": "pageview", "id": "a"}])
    columns = step.columns
    assert columns.site_id == SITE.id
    assert columns.visitor == visitor_hash(SALT, SITE.id, ip_address(CLIENT).packed, CHROME)
    assert (columns.browser, columns.os, columns.lang) == ("Chrome", "Windows", "nl")
    assert (columns.host, columns.path, columns.query) == ("www.example.nl", "/tour", "id=7")
    assert columns.origin == "www.example.nl"
    assert columns.ip == ip_address("203.0.113.0")  # truncated
    assert step.times_us == [step.received_us]


async def test_enrich_spaces_the_events_as_their_client_times_say():
    step = await enriched([{"t": "pageview", "ts": 1000}, {"t": "pageview", "ts": 1250}])
    assert step.times_us == [step.received_us - 250_000, step.received_us]


# --- encode ------------------------------------------------------------------


async def test_encode_makes_one_row_per_event_ending_in_the_request_columns():
    step = await enriched(
        [{"t": "pageview", "id": "a"}, {"t": "click", "id": "b", "el": "button#buy", "x": 0.5}]
    )
    assert await pipeline.encode(step)
    rows = [row_values(r) for r in split_rows(step.rows)]
    assert [(r["seq"], r["client_id"], r["el"], r["x"]) for r in rows] == [
        (0, "a", None, None),
        (1, "b", "button#buy", 0.5),
    ]
    shared = step.columns._asdict()
    assert all({k: r[k] for k in shared} == shared for r in rows)
    assert [r["ts"] for r in rows] == step.times_us
    assert all(list(r) == list(COLUMNS) for r in rows)


# --- the whole run -----------------------------------------------------------


async def test_run_takes_a_request_through_every_step():
    step = incoming(http(data=body([{"t": "pageview", "id": "a"}])))
    await run(step)
    assert [row_values(r)["client_id"] for r in split_rows(step.rows)] == ["a"]


async def test_run_stops_at_a_step_that_leaves_nothing_to_do():
    step = incoming(http(data=body([{"t": "nope"}])))
    await run(step)
    assert step.columns is None and step.rows == b""
    assert step.dropped == {"unknown_type": 1}
