"""Validation on its own: each kind of wire event as its typed Event (the
event's columns), the limits, the drop reasons, and the batch's order and
duplicates. (test_endpoint.py and test_hostile.py post the same to a server.)"""

from __future__ import annotations

import pytest

from collector.durable.copy_format import EVENT_COLUMNS
from collector.durable.dedup import RecentIds
from collector.ingest.sites import SiteInfo
from collector.ingest.validate import (
    MAX_EL,
    MAX_ID,
    MAX_MESSAGE,
    MAX_NAME,
    MAX_SRC,
    BadBody,
    Batch,
    Event,
    Invalid,
    Refused,
    check_origin,
    parse_body,
    pixel_batch,
    valid_new_events,
    validate_event,
)
from collector.model.vocabulary import EVENT_TYPES

SITE = SiteInfo(1, ("example.nl",), "required")


def test_an_events_fields_are_the_event_columns_then_its_client_time():
    assert Event._fields == (*(c.name for c in EVENT_COLUMNS), "client_ts")


@pytest.mark.parametrize(
    ("wire", "typed"),
    [
        ({"t": "pageview", "id": "a", "ts": 5}, {"client_id": "a", "client_ts": 5.0}),
        ({"t": "eleOn", "el": "div#a"}, {"el": "div#a"}),
        ({"t": "click", "el": "a.nav", "x": 1, "y": 812.9}, {"el": "a.nav", "x": 1.0, "y": 812}),
        ({"t": "hover", "x": 0.25}, {"x": 0.25}),
        ({"t": "pageleave", "depth": 80, "eng": 12000}, {"depth": 80, "eng": 12000}),
        (
            {"t": "play", "el": "video#v", "src": "a.mp4", "pos": 3, "dur": 120.5},
            {"el": "video#v", "src": "a.mp4", "pos": 3.0, "dur": 120.5},
        ),
        (
            {"t": "seek", "src": "a.mp4?token=x#t=3", "pos": 30.0, "from": 10, "to": 20},
            {"src": "a.mp4", "pos": 30.0, "from_pos": 10.0, "to_pos": 20.0},
        ),
        (
            {"t": "custom", "n": "signup", "props": {"plan": "pro", "seats": 3}},
            {"name": "signup", "props": '{"plan":"pro","seats":3}'},
        ),
        (
            {"t": "error", "msg": "x is undefined", "line": 12, "src": "app.js?v=3"},
            {"name": "x is undefined", "props": '{"line":12}', "src": "app.js"},
        ),
        (
            {"t": "error", "src": "a.mp4", "code": 4, "pos": 1.5, "dur": 9},
            {"src": "a.mp4", "pos": 1.5, "dur": 9.0, "props": '{"code":4}'},
        ),
    ],
)
def test_each_kind_of_event_becomes_its_typed_columns(wire, typed):
    event = validate_event(wire)
    assert event == Event(EVENT_TYPES[wire["t"]], **{"client_id": None, **typed})
    for value in event:
        assert value is None or type(value) in (int, float, str)


def test_fields_a_kind_does_not_have_are_not_kept():
    event = validate_event({"t": "pageview", "x": 0.5, "pos": 3, "n": "a", "depth": 5})
    assert event == Event(EVENT_TYPES["pageview"], None)


@pytest.mark.parametrize("kind", ["click", "hover", "eleOn", "eleOff"])
def test_interactions_keep_the_timecode_of_their_medium(kind):
    """On or beside a playing medium the tracker adds its src and pos: kept, checked and
    cleaned as a media event's; without them the interaction has none."""
    event = validate_event({"t": kind, "el": "button#spot", "src": "tour.mp4?t=1#x", "pos": 12})
    assert (event.el, event.src, event.pos) == ("button#spot", "tour.mp4", 12.0)
    assert type(event.pos) is float
    assert event.from_pos is event.to_pos is event.dur is None  # not an interaction's
    bare = validate_event({"t": kind, "el": "button#spot"})
    assert bare.src is None and bare.pos is None
    for bad in ({"pos": -1}, {"pos": 10_000_001}, {"pos": "12"}, {"pos": True}, {"src": 5}):
        with pytest.raises(Invalid) as invalid:
            validate_event({"t": kind, "el": "button#spot", "src": "tour.mp4", "pos": 3, **bad})
        assert invalid.value.args == ("bad_field",), bad


def test_a_bad_timecode_drops_only_its_interaction():
    dropped: dict[str, int] = {}
    events = [
        {"t": "click", "id": "ok", "el": "video#tour", "src": "tour.mp4", "pos": 3.5, "x": 0.5},
        {"t": "hover", "id": "bad", "el": "video#tour", "src": "tour.mp4", "pos": float("nan")},
        {"t": "eleOn", "id": "on", "el": "spot", "src": "tour.mp4", "pos": 4},
    ]
    kept = valid_new_events(batch_of(events), SITE, RecentIds(), dropped)
    assert [(e.client_id, e.src, e.pos) for e in kept] == [
        ("ok", "tour.mp4", 3.5),
        ("on", "tour.mp4", 4.0),
    ]
    assert dropped == {"bad_field": 1}


def test_strings_are_cut_to_their_limits_and_lose_their_nuls():
    event = validate_event(
        {"t": "custom", "id": "i\x00d" + "x" * 100, "el": "e" * 300, "n": "n\x00" * 200}
    )
    assert event.client_id == ("id" + "x" * 100)[:MAX_ID]
    assert event.el == "e" * MAX_EL
    assert event.name == "n" * MAX_NAME
    media = validate_event({"t": "play", "pos": 0, "src": "s" * 600 + "?q"})
    assert media.src == "s" * MAX_SRC
    error = validate_event({"t": "error", "msg": "m" * 400})
    assert error.name == "m" * MAX_MESSAGE


def test_empty_strings_are_absent():
    assert validate_event({"t": "pageview", "id": "", "el": "\x00"}) == Event(1, None)


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        ([], "bad_field"),
        ({"t": "nope"}, "unknown_type"),
        ({"t": 1}, "unknown_type"),
        ({"t": "pageview", "id": 5}, "bad_field"),
        ({"t": "pageview", "el": 5}, "bad_field"),
        ({"t": "click", "x": 1.5}, "bad_field"),
        ({"t": "click", "x": True}, "bad_field"),
        ({"t": "click", "y": -1}, "bad_field"),
        ({"t": "pageleave", "depth": 101}, "bad_field"),
        ({"t": "play"}, "bad_field"),  # a media event needs its position
        ({"t": "play", "pos": 10_000_001}, "bad_field"),
        ({"t": "play", "pos": "3"}, "bad_field"),
        ({"t": "custom"}, "bad_field"),
        ({"t": "custom", "n": "a", "props": [1]}, "bad_props"),
        ({"t": "custom", "n": "a", "props": {"a": {"b": 1}}}, "bad_props"),
        ({"t": "custom", "n": "a", "props": {"a": 2**60}}, "bad_props"),
        ({"t": "custom", "n": "a", "props": {str(i): i for i in range(21)}}, "bad_props"),
        ({"t": "pageview", "ts": -1}, "bad_field"),
        # A bad field is reported before a bad client time.
        ({"t": "custom", "n": "a", "props": [1], "ts": "x"}, "bad_props"),
    ],
)
def test_bad_events_are_dropped_with_their_reason(wire, reason):
    with pytest.raises(Invalid) as invalid:
        validate_event(wire)
    assert invalid.value.args == (reason,)


def batch_of(events: list) -> Batch:
    return Batch("key", "https://www.example.nl/", None, None, None, None, None, None, events)


def order_of(events: list[dict]) -> list[str]:
    kept = valid_new_events(batch_of(events), SITE, RecentIds(), {})
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


def test_duplicates_in_the_batch_and_of_recent_requests_are_dropped():
    recent = RecentIds()
    recent.remember(SITE.id, ["old"])
    dropped: dict[str, int] = {}
    events = [{"id": i, "t": "pageview"} for i in ("a", "old", "a", "b")]
    kept = valid_new_events(batch_of([*events, {"t": "x"}]), SITE, recent, dropped)
    assert [e.client_id for e in kept] == ["a", "b"]
    assert dropped == {"duplicate": 2, "unknown_type": 1}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{", 400),
        (b"[]", 400),
        (b'{"site": "k", "url": "https://a.nl/", "events": []}', 400),
        (b'{"site": "k", "events": [{}]}', 400),
        (b'{"site": "k", "url": "https://a.nl/", "events": [' + b"{}," * 200 + b"{}]}", 413),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_whole(body, status):
    with pytest.raises(BadBody) as bad:
        parse_body(body)
    assert bad.value.status == status


def test_the_bodys_own_fields_are_checked_and_cut():
    batch = parse_body(
        b'{"site": "k", "url": "https://a.nl/\\u0000x", "sw": true, "sh": 40000, "pv": 3,'
        b' "uid": "u", "events": [{}]}'
    )
    assert batch == Batch("k", "https://a.nl/x", None, None, None, None, "u", None, [{}])


def test_the_pixels_query_is_one_pageview():
    batch = pixel_batch({"site": "k", "url": "https://a.nl/\x00"})
    assert (batch.url, batch.events) == ("https://a.nl/", [{"t": "pageview"}])
    with pytest.raises(BadBody):
        pixel_batch({"site": "k"})


@pytest.mark.parametrize(
    ("url", "headers", "allowed"),
    [
        ("https://www.example.nl/", {"Origin": "https://example.nl"}, "example.nl"),
        ("https://www.example.nl/", {"Referer": "https://shop.example.nl/x"}, "shop.example.nl"),
        ("https://www.example.nl/", {"Origin": "null"}, None),
        ("https://www.example.nl/", {}, None),
        ("https://www.example.nl/", {"Origin": "https://badexample.nl"}, Refused),
        ("https://evil.test/", {}, Refused),
        ("javascript:alert(1)", {}, Refused),
    ],
)
def test_only_the_sites_own_pages_and_origins_may_send(url, headers, allowed):
    batch = batch_of([{}])._replace(url=url)
    if allowed is Refused:
        with pytest.raises(Refused) as refused:
            check_origin(batch, headers, SITE)
        assert (refused.value.status, refused.value.reason) == (403, "foreign_origin")
    else:
        assert check_origin(batch, headers, SITE) == allowed
