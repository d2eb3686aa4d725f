"""The pipeline's per-request steps: event order within a batch, and the memoized
columns that must encode exactly what the enrichment steps compute."""

from __future__ import annotations

import pytest

from collector.durable.copy_format import smallint, text
from collector.durable.dedup import RecentIds
from collector.ingest import pipeline
from collector.ingest.enrich.language import primary_language
from collector.ingest.enrich.memo import MAX_MEMO_CHARS, memoize_short
from collector.ingest.enrich.referrer import reduce_referrer, split_url
from collector.ingest.enrich.user_agent import parse_user_agent
from collector.ingest.sites import SiteInfo
from collector.ingest.validate import Batch

SITE = SiteInfo(1, ("example.nl",))


def batch_of(events: list[dict]) -> Batch:
    return Batch("key", "https://www.example.nl/", None, None, None, None, None, None, events)


def order_of(events: list[dict]) -> list[str]:
    kept = pipeline.valid_new_events(batch_of(events), SITE, RecentIds(), {})
    return [e.client_id for e in kept]


def test_events_sent_in_order_keep_it():
    events = [{"id": f"e{i}", "t": "pageview", "ts": 1000 + i // 2} for i in range(6)]
    assert order_of(events) == [f"e{i}" for i in range(6)]


def test_events_out_of_order_are_put_in_client_time_order_ties_kept():
    events = [
        {"id": "c", "t": "pageview", "ts": 30},
        {"id": "a", "t": "pageview", "ts": 10},
        {"id": "b1", "t": "pageview", "ts": 20},
        {"id": "b2", "t": "pageview", "ts": 20},
    ]
    assert order_of(events) == ["a", "b1", "b2", "c"]


def test_events_without_a_time_count_as_the_newest():
    events = [
        {"id": "none1", "t": "pageview"},
        {"id": "late", "t": "pageview", "ts": 50},
        {"id": "early", "t": "pageview", "ts": 10},
        {"id": "none2", "t": "pageview"},
    ]
    assert order_of(events) == ["early", "none1", "late", "none2"]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.nl/tour?id=7",
        "https://www.example.nl/",
        "https://www.example.nl",
        "https://www.example.nl/" + "p" * 1200 + "?" + "q" * 1200,
        "ftp://example.nl/file",
    ],
)
def test_memoized_page_columns_are_the_split_url_encoded(url):
    host, path, query = split_url(url) or (None, None, None)
    assert pipeline._page_fields(url) == text(host) + text(path) + text(query)
    assert pipeline._page_fields(url) == text(host) + text(path) + text(query)  # from the memo


@pytest.mark.parametrize(
    "ref", ["https://www.google.com/search?q=x", "https://www.example.nl/self", None, "x"]
)
def test_memoized_referrer_column_is_the_reduced_referrer_encoded(ref):
    expected = text(reduce_referrer(ref, SITE.domains))
    assert pipeline._referrer_field(ref, SITE.domains) == expected
    # Another site with other domains gets its own answer, not the first one's.
    other = ("google.com",)
    assert pipeline._referrer_field(ref, other) == text(reduce_referrer(ref, other))


@pytest.mark.parametrize("header", ["nl-NL,nl;q=0.9,en;q=0.8", "en;q=0.1, de", "*", None])
def test_memoized_language_column_is_the_primary_language_encoded(header):
    assert pipeline._language_field(header) == text(primary_language(header))


def test_memoized_agent_columns_are_the_parsed_agent_encoded():
    agent = parse_user_agent(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
    )
    numbers, names = pipeline._agent_fields(agent)
    assert numbers == smallint(agent.browser_version) + smallint(agent.device)
    assert names == text(agent.browser) + text(agent.os)


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
    kept_before = pipeline._referrer_field.cache_info().currsize
    for ref in (secret, "https://mail.example.com/#inbox", "https://user:pw@blog.test/"):
        assert pipeline._referrer_field(ref, SITE.domains) == text(
            reduce_referrer(ref, SITE.domains)
        )
    assert pipeline._referrer_field.cache_info().currsize == kept_before
