"""The enrich step's whole: the columns a request's events share, their
memos (which must give exactly what the enrichment functions compute), and
the events' times."""

from __future__ import annotations

from ipaddress import ip_address
from types import SimpleNamespace

import pytest

from collector.ingest.enrich import request_columns as enrich
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.language import primary_language
from collector.ingest.enrich.memo import MAX_MEMO_CHARS, memoize_short
from collector.ingest.enrich.referrer import reduce_referrer
from collector.ingest.enrich.user_agent import parse_user_agent
from collector.ingest.enrich.visitor_hash import visitor_hash
from collector.ingest.sites import SiteInfo
from collector.ingest.validate import Batch, Event
from collector.model.vocabulary import DEVICE_MOBILE
from tests.support.client import CHROME

SITE = SiteInfo(3, ("example.nl",), "required")
SALT = b"s" * 32
SETTINGS = SimpleNamespace(ipv4_prefix=24, ipv6_prefix=48, keep_query=("id", "utm_source"))
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
BATCH = Batch(
    site="key",
    url="https://www.example.nl/tour?id=7#top",
    ref="https://www.google.com/search?q=peil",
    screen_w=390,
    screen_h=844,
    player_version="2.3.1",
    uid="u-1",
    sid="s-1",
    events=[],
)


def columns(
    headers: dict,
    address: str | None = "203.0.113.77",
    batch: Batch = BATCH,
    site: SiteInfo = SITE,
):
    return enrich.request_columns(
        batch,
        site,
        "www.example.nl",
        headers,
        ip_address(address) if address else None,
        SALT,
        GeoIP.disabled(),
        SETTINGS,  # type: ignore[arg-type]
    )


def test_the_columns_come_from_the_headers_the_page_and_the_address():
    found = columns({"User-Agent": IPHONE, "Accept-Language": "de-DE,de;q=0.9"})
    agent = parse_user_agent(IPHONE)
    assert found._asdict() == {
        "site_id": 3,
        "visitor": visitor_hash(SALT, 3, ip_address("203.0.113.77").packed, IPHONE),
        "screen_w": 390,
        "screen_h": 844,
        "browser_version": agent.browser_version,
        "device": DEVICE_MOBILE,
        "country": None,  # GeoIP off
        "region": None,
        "city": None,
        "browser": agent.browser,
        "os": "iOS",
        "lang": "de",
        "host": "www.example.nl",
        "path": "/tour",
        "query": "id=7",
        "referrer": "google.com/search",
        "origin": "www.example.nl",
        "player_version": "2.3.1",
        "uid": "u-1",
        "sid": "s-1",
        "ip": ip_address("203.0.113.0"),
    }


@pytest.mark.parametrize("header", ["DNT", "Sec-GPC"])
def test_do_not_track_and_gpc_discard_the_client_ids(header):
    found = columns({"User-Agent": CHROME, header: "1"})
    assert (found.uid, found.sid) == (None, None)


def test_a_cookieless_site_keeps_no_client_ids():
    found = columns({"User-Agent": CHROME}, site=SiteInfo(3, ("example.nl",)))
    assert (found.uid, found.sid) == (None, None)


def test_without_an_address_there_is_no_ip_and_the_hash_is_of_the_agent_alone():
    found = columns({"User-Agent": CHROME}, address=None)
    assert found.ip is None
    assert found.visitor == visitor_hash(SALT, 3, b"", CHROME)


def test_an_ipv6_address_is_truncated_to_its_prefix():
    found = columns({"User-Agent": CHROME}, address="2001:db8:abcd:1234::1")
    assert found.ip == ip_address("2001:db8:abcd::")


def test_a_self_referral_is_no_referrer():
    found = columns({"User-Agent": CHROME}, batch=BATCH._replace(ref="https://example.nl/a"))
    assert found.referrer is None


def event_at(ts: float | None) -> Event:
    return Event(1, None, client_ts=ts)


def test_event_times_keep_order_and_spacing_but_end_at_the_receive_time():
    times = enrich.event_times([event_at(1000), event_at(None), event_at(1500)], 10**15)
    assert times == [10**15 - 500_000, 10**15, 10**15]


def test_event_times_span_at_most_ten_minutes():
    times = enrich.event_times([event_at(0), event_at(3600 * 1000)], 10**15)
    assert times == [10**15 - enrich.MAX_BATCH_SPAN_US, 10**15]


def test_without_client_times_every_event_is_at_the_receive_time():
    assert enrich.event_times([event_at(None)] * 3, 7) == [7, 7, 7]


@pytest.mark.parametrize(
    "ref", ["https://www.google.com/search?q=x", "https://www.example.nl/self", None, "x"]
)
def test_memoized_referrer_is_the_reduced_referrer(ref):
    assert enrich.referrer(ref, SITE.domains) == reduce_referrer(ref, SITE.domains)
    # Another site with other domains gets its own answer, not the first one's.
    other = ("google.com",)
    assert enrich.referrer(ref, other) == reduce_referrer(ref, other)


@pytest.mark.parametrize("header", ["nl-NL,nl;q=0.9,en;q=0.8", "en;q=0.1, de", "*", None])
def test_memoized_language_is_the_primary_language(header):
    assert enrich.language(header) == enrich.language(header) == primary_language(header)


def test_the_memo_keeps_short_values_only():
    calls: list[str] = []

    @memoize_short(maxsize=8)
    def shout(value: str) -> str:
        calls.append(value)
        return value.upper()

    assert shout("a") == shout("a") == "A"
    assert calls == ["a"]  # computed once
    long = "b" * (MAX_MEMO_CHARS + 1)
    assert shout(long) == shout(long) == long.upper()
    assert calls == ["a", long, long]  # computed every time, never kept
    assert shout.cache_info().currsize == 1


def test_referrers_with_private_parts_are_reduced_but_never_kept_in_the_memo():
    secret = "https://www.google.com/search?q=my+medical+question"
    kept_before = enrich.referrer.cache_info().currsize
    for ref in (secret, "https://mail.example.com/#inbox", "https://user:pw@blog.test/"):
        assert enrich.referrer(ref, SITE.domains) == reduce_referrer(ref, SITE.domains)
    assert enrich.referrer.cache_info().currsize == kept_before
