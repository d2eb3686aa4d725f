"""Events of one batch share their receive time and differ only in `seq` (the
server stamps a batch once): the (ts, seq) order must decide a visit's first
event (its attributes), entry and exit page, bounce and the funnel's order.
A hand-made day in Europe/Amsterdam with such batches, events exactly at local
midnight and just before, and a gap of exactly 30 minutes within a batch
sequence; the overview, every breakdown, the funnel and the elements must be
the oracle's, and a few numbers are stated outright."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from tests.support.analytics_checks import (
    breakdown_mismatches,
    mismatches,
    overview_mismatches,
    range_pairs,
)
from tests.support.analytics_oracle import DIMS, Filter, Oracle
from tests.support.dashboard_data import add_events, add_site, at, fold

AMS = "Europe/Amsterdam"
D = date(2026, 10, 21)
D1 = D + timedelta(days=1)


def batch(day, clock, visitor, *events, **context):
    """Events with one receive time, `seq` in the order given unless set."""
    ts = at(day, clock, AMS)
    return [
        {"ts": ts, "visitor": visitor, "seq": e.pop("seq", i), **context, **e}
        for i, e in enumerate(dict(e) for e in events)
    ]


GOOGLE = {"referrer": "www.google.com/", "country": "NL", "query": "utm_source=news"}
BING = {"referrer": "www.bing.com/", "country": "DE", "query": "utm_source=ads"}
EVENTS = [
    # Visitor 1: the custom event comes first in its batch (seq 0), so the visit's
    # attributes are its; two pageviews in one batch: /b after /a by seq.
    *batch(D, "10:00", 1, {"t": "custom", "name": "hello", "path": "/a"}, **GOOGLE),
    *batch(
        D,
        "10:00",
        1,
        {"t": "pageview", "path": "/b", "seq": 7},
        {"t": "pageview", "path": "/a", "seq": 3},
        **BING,
    ),
    # Visitor 2: seq decides against the insertion order; a funnel /x -> /y is
    # reached (seq 1 then 2), /y -> /x is not.
    *batch(
        D,
        "11:00",
        2,
        {"t": "pageview", "path": "/y", "seq": 2},
        {"t": "pageview", "path": "/x", "seq": 1},
        **GOOGLE,
    ),
    # Visitor 3: a single pageview with a pageleave in the same batch (a bounce),
    # then exactly 30 minutes later another batch: a new visit.
    *batch(
        D,
        "12:00",
        3,
        {"t": "pageview", "path": "/x"},
        {"t": "pageleave", "path": "/x", "eng": 5000},
        **BING,
    ),
    *batch(D, "12:30", 3, {"t": "pageview", "path": "/y"}, {"t": "click", "path": "/y", "el": "b"}),
    # Visitor 4: element on and off screen in one batch, the off first by seq
    # (no time on screen), then on again and off later.
    *batch(
        D,
        "13:00",
        4,
        {"t": "pageview", "path": "/x"},
        {"t": "eleOff", "path": "/x", "el": "s"},
        {"t": "eleOn", "path": "/x", "el": "s"},
    ),
    *batch(D, "13:00:30", 4, {"t": "eleOff", "path": "/x", "el": "s"}),
    # Visitor 5: just before local midnight and exactly at it: two days, two visits.
    *batch(D, "23:59:59.999", 5, {"t": "pageview", "path": "/late"}, **GOOGLE),
    *batch(D1, "00:00", 5, {"t": "pageview", "path": "/early"}, **BING),
]


@pytest.fixture(scope="module")
async def site(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Batches", AMS)
        await add_events(conn, site, *EVENTS)
        await fold(conn, site)
        return site
    finally:
        await conn.close()


@pytest.fixture
def oracle(db, site):
    return Oracle(db, site["id"], AMS)


async def test_overview_of_batches_is_the_oracles(api, site, oracle):
    for first, last in ((D, D), (D, D1), (D1, D1)):
        status, body = await api.get("/api/stats/overview", range_pairs(site["key"], first, last))
        assert status == 200, body
        interval = "hour" if first == last else "day"
        want = await oracle.overview(first, last, (), interval)
        assert not overview_mismatches(body, want, interval)
    # D: v1 one visit, v2 one, v3 two (the gap of exactly 30 min), v4 one, v5 one.
    assert (want_d := await oracle.overview(D, D, (), "hour"))["visits"] == 6
    # Bounces: v3's first visit (a pageleave is no interaction), v4 (elements on
    # screen are none either), v5; v3's second visit has a click.
    assert want_d["bounce_rate"] == 3 / 6


@pytest.mark.parametrize("by", DIMS)
async def test_breakdowns_of_batches_are_the_oracles(api, site, oracle, by):
    pairs = [*range_pairs(site["key"], D, D1), ("by", by), ("limit", "1000")]
    status, body = await api.get("/api/stats/breakdown", pairs)
    assert status == 200, body
    want = await oracle.breakdown(D, D1, (), by)
    assert not breakdown_mismatches(body["rows"], want, by, f"by={by}")


async def test_the_first_event_by_seq_gives_the_visit_its_attributes(api, site, oracle):
    expected = {
        "referrer": "www.google.com/",  # of the custom event, seq 0
        "utm_source": "news",
        "country": "NL",
        "entry_page": "/a",  # seq 3
        "exit_page": "/b",  # seq 7
    }
    hello = Filter("event", "==", "hello")
    for by, key in expected.items():
        want = await oracle.breakdown(D, D, (hello,), by)
        assert set(want) == {key}, by
        pairs = [*range_pairs(site["key"], D, D, (hello,)), ("by", by)]
        status, body = await api.get("/api/stats/breakdown", pairs)
        assert status == 200, body
        assert not breakdown_mismatches(body["rows"], want, by, f"by={by}")


@pytest.mark.parametrize(
    ("steps", "reached"),
    [
        (["page:/x", "page:/y"], [3, 1]),
        (["page:/y", "page:/x"], [2, 0]),
        (["page:/a", "page:/b"], [1, 1]),
        (["page:/b", "page:/a"], [1, 0]),
    ],
)
async def test_funnel_order_within_a_batch_is_by_seq(api, site, oracle, steps, reached):
    pairs = [*range_pairs(site["key"], D, D), *(("step", s) for s in steps)]
    status, body = await api.get("/api/stats/funnel", pairs)
    assert status == 200, body
    want = await oracle.funnel(D, D, (), steps)
    assert [w["visitors"] for w in want] == reached
    problems = []
    for i, (g, w) in enumerate(zip(body["steps"], want, strict=True)):
        problems += mismatches(g, w, f"step {i + 1}")
    assert not problems, problems


async def test_elements_pair_by_seq_within_a_batch(api, site, oracle):
    status, body = await api.get("/api/stats/elements", range_pairs(site["key"], D, D))
    assert status == 200, body
    want = await oracle.elements(D, D, ())
    assert want["s"]["avg_visible_s"] == 30.0  # the eleOn (seq 2) pairs with the later eleOff
    got = {r["el"]: r for r in body["rows"]}
    problems = []
    for el, w in want.items():
        problems += mismatches(got.get(el, {}), w, f"element {el}")
    assert not problems, problems
