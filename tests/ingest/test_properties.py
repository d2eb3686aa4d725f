"""Property-based test of POST /api/events over the event schema (issue 7, item 4).

Hypothesis builds batches that mix valid events of every kind with arbitrary
JSON values: whole events, single fields of otherwise valid events, and the
body's own fields (huge integers, big floats, NULs, bidirectional controls,
nesting, strings that break urlsplit...). Each batch is posted to the real
server and the writer is flushed into the real PostgreSQL. Properties:

- the answer is 202, 400, 403 or 413, never a 500;
- after a 202 every valid event lands exactly once (counted by client id),
  and the rows of the page are exactly the events not reported dropped in
  X-Peil-Dropped, so one poison event never costs the ones beside it;
- after anything else, none of the batch's events lands;
- the writer's queue is empty after a flush and PostgreSQL refused no row
  (`dropped:write_failed` stays put): nothing validated is unstorable.

Pattern: `@given` directly on an async test. pytest-asyncio 1.x wraps the
Hypothesis inner test and runs every example on the session event loop
(asyncio_default_test_loop_scope = "session"), the loop the module's server
and fixtures live on. Function-scoped fixtures (`db`) are set up once for all
examples, hence the suppressed health check; each example makes its own
client ids and page path, so examples never see each other's rows.
"""

from __future__ import annotations

import json
import uuid

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.keys import METRICS, WRITER
from collector.model.vocabulary import EVENT_FIELDS, EVENT_TYPES, MEDIA_TYPES
from tests.support.client import CHROME, ORIGIN, new_id

BODY_FIELDS = ("site", "url", "ref", "sw", "sh", "pv", "uid", "sid", "events")

# Strings that have tripped parsers elsewhere.
TRICKY = st.sampled_from(
    [
        "",
        "\x00",
        "a\x00b",
        "\u202egnp.exe",
        '=HYPERLINK("x")',
        "+1",
        "-1",
        "@x",
        "javascript:alert(1)",
        "data:text/html,x",
        "http://[x?y",
        "//[::1?a#b",
        "https://a\uff03b/?q",
        "https://www.example.nl/?q=1",
        "https://www.google.com/search?q=x",
        "\ufeff",
        "\U0001f600",
    ]
)
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40) | TRICKY
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
INTEGERS = st.integers(min_value=-(2**80), max_value=2**80) | st.sampled_from(
    [2**53, 2**53 + 1, 2**63, 2**64 - 1, 2**64, 99999999999999999999999]
)
JSON = st.recursive(
    st.none() | st.booleans() | INTEGERS | FLOATS | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def optional(strategy):
    return st.none() | strategy


PROP_VALUES = (
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | FLOATS | TEXT
)
SECONDS = st.floats(min_value=0, max_value=10_000_000) | st.integers(0, 10_000_000)


@st.composite
def valid_events(draw) -> dict:
    """An event the documented schema accepts (its id is added when posting)."""
    kind = draw(st.sampled_from(sorted(EVENT_TYPES)))
    event = {"t": kind}
    fields = {
        "ts": optional(st.integers(0, 2**53) | st.floats(0, 2**53)),
        "el": optional(TEXT),
    }
    if kind in MEDIA_TYPES:
        fields |= {"src": optional(TEXT), "from": optional(SECONDS), "to": optional(SECONDS)}
        fields |= {"dur": optional(SECONDS)}
        event["pos"] = draw(SECONDS)
    elif kind in ("click", "hover"):
        fields |= {"x": optional(st.floats(0, 1)), "y": optional(st.integers(0, 2**31 - 1))}
    elif kind == "pageleave":
        fields |= {
            "depth": optional(st.integers(0, 100) | st.floats(0, 100)),
            "eng": optional(st.integers(0, 24 * 3600 * 1000)),
        }
    elif kind == "custom":
        event["n"] = draw(TEXT.filter(lambda name: name.replace("\x00", "")))
        fields["props"] = optional(st.dictionaries(TEXT, PROP_VALUES, max_size=20))
    elif kind == "error":
        fields |= {
            "msg": optional(TEXT),
            "src": optional(TEXT),
            "pos": optional(SECONDS),
            "line": optional(st.integers(0, 2**53)),
            "code": optional(st.integers(0, 2**53)),
        }
    for name, strategy in fields.items():
        if draw(st.booleans()):
            event[name] = draw(strategy)
    return event


@st.composite
def poison_events(draw):
    """Anything: an arbitrary value, or a valid event with one field replaced."""
    if draw(st.booleans()):
        return draw(JSON)
    event = draw(valid_events())
    event[draw(st.sampled_from(EVENT_FIELDS))] = draw(JSON)
    return event


@st.composite
def batches(draw) -> tuple[list[tuple[bool, object]], str, dict, str | None]:
    """The events (each marked valid or not), the end of the page URL, the
    other body fields, and the body field replaced by an arbitrary value (None:
    none)."""
    events = draw(
        st.lists(
            st.tuples(st.just(True), valid_events()) | st.tuples(st.just(False), poison_events()),
            min_size=1,
            max_size=30,
        )
    )
    fields = {}
    for name, strategy in {
        "ref": TEXT | JSON,
        "sw": st.integers(1, 32767) | JSON,
        "sh": st.integers(1, 32767) | JSON,
        "pv": TEXT | JSON,
        "uid": TEXT | JSON,
        "sid": TEXT | JSON,
    }.items():
        if draw(st.booleans()):
            fields[name] = draw(strategy)
    replaced = draw(st.none() | st.sampled_from(BODY_FIELDS))
    if replaced is not None:
        fields[replaced] = draw(JSON)
    return events, draw(TEXT), fields, replaced


async def post_raw(server, data: bytes) -> tuple[int, dict]:
    headers = {
        "Content-Type": "text/plain",
        "User-Agent": CHROME,
        "Origin": ORIGIN,
        "X-Forwarded-For": "203.0.113.9",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/api/events", data=data, headers=headers) as response,
    ):
        await response.read()
        return response.status, dict(response.headers)


def dropped_total(headers: dict) -> int:
    value = headers.get("X-Peil-Dropped")
    if not value:
        return 0
    return sum(int(part.rpartition("=")[2]) for part in value.split(", "))


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=batches())
async def test_no_input_causes_a_500_or_loses_a_valid_neighbour(server, site, db, drawn):
    marked, url_tail, fields, replaced = drawn
    page = f"/prop/{uuid.uuid4().hex}/"
    events, valid_ids = [], []
    for valid, event in marked:
        if valid:
            event = {**event, "id": new_id()}
            valid_ids.append(event["id"])
        events.append(event)
    data = {
        "site": site["key"],
        "url": f"https://www.example.nl{page}{url_tail}",
        "events": events,
        **fields,
    }
    writer, metrics = server.app[WRITER], server.app[METRICS]
    refused_rows = metrics.total("dropped:write_failed")

    status, headers = await post_raw(server, json.dumps(data, ensure_ascii=False).encode())
    await writer.flush()

    assert status in (202, 400, 403, 413)
    assert len(writer.queue) == 0
    assert metrics.total("dropped:write_failed") == refused_rows
    counts = dict(
        await db.fetch(
            "SELECT client_id, count(*) FROM events WHERE client_id = ANY($1) GROUP BY 1",
            valid_ids,
        )
    )
    page_rows = await db.fetchval("SELECT count(*) FROM events WHERE path LIKE $1", page + "%")
    if status != 202:
        assert counts == {} and page_rows == 0
    elif replaced in (None, "ref", "sw", "sh", "pv", "uid", "sid"):
        assert counts == dict.fromkeys(valid_ids, 1)
        assert page_rows == len(events) - dropped_total(headers)
    else:
        # "site", "url" or "events" replaced yet accepted (say a list of other
        # values, or a URL on the site): whatever was not dropped landed once.
        assert all(n == 1 for n in counts.values())


async def test_server_still_serves_after_the_properties(server, site, db):
    event = {"id": new_id(), "t": "pageview"}
    data = json.dumps(
        {"site": site["key"], "url": "https://www.example.nl/after", "events": [event]}
    ).encode()
    status, _ = await post_raw(server, data)
    await server.app[WRITER].flush()
    assert status == 202
    assert await db.fetchval("SELECT count(*) FROM events WHERE client_id = $1", event["id"]) == 1
