"""The ingest rate limit: who counts as one client (an IPv4 address, an IPv6
/64), its fixed-size table (memory flat under any number of addresses, a
limited client not evicted by a flood), and that no key leaves it."""

from __future__ import annotations

import ipaddress
import logging
import tracemalloc
from dataclasses import replace

import aiohttp

from collector.ingest.enrich.client_address import parse_address
from collector.ingest.ratelimit import RateLimiter
from tests.support.app import running_app
from tests.support.client import body, post

# One request per 1000 s: within a test only the burst passes, whatever the clock does.
SLOW = 0.001


def packed(text: str) -> bytes:
    return ipaddress.ip_address(text).packed


def in_64(prefix: str, i: int) -> bytes:
    """The i-th address inside the /64 `prefix` (e.g. '2001:db8:1:2::')."""
    return (int(ipaddress.IPv6Address(prefix)) + i * 0x1_0001_0001 + 1).to_bytes(16, "big")


def allowed(limiter: RateLimiter, keys) -> int:
    return sum(limiter.allow(key) for key in keys)


def test_addresses_inside_one_ipv6_64_share_one_bucket():
    limiter = RateLimiter(SLOW, 4)
    keys = [in_64("2001:db8:1:2::", i) for i in range(400)]
    assert len(set(keys)) == 400
    assert allowed(limiter, keys) == 5  # the burst and the one it stands on, not 400


def test_different_ipv6_64s_do_not_share():
    limiter = RateLimiter(SLOW, 0)
    prefixes = [f"2001:db8:{i // 256:x}:{i % 256:x}::" for i in range(400)]
    assert allowed(limiter, [in_64(p, 7) for p in prefixes]) == 400
    # and each of them is now at its limit, whichever address of its /64 it uses
    assert allowed(limiter, [in_64(p, 8) for p in prefixes]) == 0


def test_ipv4_is_limited_per_address():
    limiter = RateLimiter(SLOW, 0)
    assert limiter.allow(packed("192.0.2.1"))
    assert limiter.allow(packed("192.0.2.2"))  # the neighbour has its own bucket
    assert not limiter.allow(packed("192.0.2.1"))
    assert not limiter.allow(packed("192.0.2.2"))


def test_ipv4_mapped_ipv6_is_the_ipv4_client():
    limiter = RateLimiter(SLOW, 0)
    assert limiter.allow(packed("192.0.2.7"))
    assert not limiter.allow(packed("::ffff:192.0.2.7"))  # raw mapped bytes
    assert not limiter.allow(parse_address("::ffff:192.0.2.7").packed)  # as the pipeline sees it
    # ...and not the /64 ::ffff:0:0 as a whole: another IPv4 address is another client
    assert limiter.allow(packed("::ffff:192.0.2.8"))


def test_memory_stays_flat_however_many_addresses():
    limiter = RateLimiter(50, 200, slots=1024)
    tracemalloc.start()
    try:
        for i in range(1_000):  # warm: every slot may have been written once
            limiter.allow(i.to_bytes(4, "big"))
        before, _ = tracemalloc.get_traced_memory()
        for i in range(200_000):
            limiter.allow((i * 2654435761 % 2**32).to_bytes(4, "big"))
            limiter.allow((i << 64 | 0x2001_0DB8 << 96).to_bytes(16, "big"))
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The old dict kept about 100 bytes for every address: 40 MB here.
    assert after - before < 16 * 1024
    assert limiter.slots == 1024
    assert limiter.live() <= 1024


def test_a_limited_client_is_not_evicted_by_a_flood_of_new_addresses():
    limiter = RateLimiter(0.01, 4, slots=256)  # 100 s a request: the clock cannot help
    heavy = packed("198.51.100.9")
    assert allowed(limiter, [heavy] * 10) == 5
    for i in range(100_000):  # 400 times the table
        limiter.allow((i << 64 | 0x2001_0DB8 << 96).to_bytes(16, "big"))
    assert not limiter.allow(heavy)
    assert limiter.live() <= 256


async def test_addresses_of_one_64_are_limited_together_over_http(settings, database_url, site):
    limited = replace(settings, rate_limit=1)  # 1/s, bursts of 4
    async with running_app(limited, database_url) as app:
        one_64 = [str(ipaddress.IPv6Address(in_64("2001:db8:77:1::", i))) for i in range(40)]
        codes = [(await post(app, body(site, [{"t": "pageview"}]), address=a))[0] for a in one_64]
        assert codes.count(429) > 0 and codes.count(202) < 20  # all 40 were 202 before
        # another /64 and an IPv4 client are not affected
        assert (await post(app, body(site, [{"t": "pageview"}]), address="2001:db8:77:2::1"))[
            0
        ] == 202
        assert (await post(app, body(site, [{"t": "pageview"}]), address="192.0.2.31"))[0] == 202


async def test_a_limited_address_is_in_no_log_line_and_no_metric(
    settings, database_url, site, caplog
):
    caplog.set_level(logging.DEBUG)
    limited = replace(settings, rate_limit=1)
    v6, v4 = "2001:db8:5eed:1:aaaa:bbbb:cccc:dddd", "198.51.100.123"
    async with running_app(limited, database_url) as app:
        for address in (v6, v4):
            codes = [
                (await post(app, body(site, [{"t": "pageview"}]), address=address))[0]
                for _ in range(8)
            ]
            assert 429 in codes
        async with aiohttp.ClientSession() as http, http.get(f"{app.url}/metrics") as answer:
            metrics = await answer.text()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for text in (v6, "2001:db8:5eed:1:", "2001:db8:5eed:1::", v4):
        assert text not in logged
        assert text not in metrics
