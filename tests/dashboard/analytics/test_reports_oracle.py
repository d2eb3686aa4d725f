"""The reports of issue 16 against the oracle, each with 0 to 3 drawn filters:
GET /api/stats/events (custom events: events, visitors, conversion rate),
/props (per property key of one event, its values), /goals (event goals and
page goals with `*` patterns, LIKE's own wildcards matching only themselves),
/funnel (2 to 8 drawn page/event steps, in order within one visit), /errors
(script and media errors, their messages and top pages), /elements (views,
visitors, time on screen from eleOn to the next eleOff, hovers, clicks) and
/media/timeline (the 21 points of one src, with or without its element:
audience, clicks, hovers, pauses, seeks from and to, errors) and /media (per
element and src: loads, plays, viewers, watch time, completion, seeks,
rewinds, errors, the retention curve), /clicks (heatmap cells and clicks per
element, of one page or all), and /api/export (exactly the selected events,
oldest first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aiohttp
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.analytics_checks import (
    describe,
    draw_filters,
    draw_range,
    mismatches,
    near,
    range_pairs,
)
from tests.support.analytics_data import MEDIA

PROPERTY = settings(
    max_examples=20,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def keyed(rows: Any, key, what: str, problems: list[str]) -> dict:
    if not isinstance(rows, list):
        problems.append(f"{what}: {rows!r}")
        return {}
    out = {key(r): r for r in rows}
    if len(out) != len(rows):
        problems.append(f"{what}: repeated rows {[key(r) for r in rows]}")
    return out


def same_rows(got: dict, want: dict, what: str) -> list[str]:
    problems = []
    if set(got) != set(want):
        problems.append(
            f"{what}: rows {sorted(map(repr, got))}, expected {sorted(map(repr, want))}"
        )
    for k in set(got) & set(want):
        problems += mismatches(got[k], want[k], f"{what} {k!r}")
    return problems


async def ask(api, site, path, data, extra=()):
    first, last = draw_range(data.draw, st, site.loaded.plan)
    filters = draw_filters(data.draw, st, site.values)
    pairs = [*range_pairs(site.key, first, last, filters), *extra]
    request = describe(path, pairs)
    status, body = await api.get(path, pairs)
    assert status == 200, (request, body)
    return request, body, (first, last, filters)


@PROPERTY
@given(data=st.data())
async def test_custom_events_are_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    request, body, asked = await ask(api, site, "/api/stats/events", data)
    problems: list[str] = []
    got = keyed(body.get("rows"), lambda r: r.get("name"), "rows", problems)
    problems += same_rows(got, await site.oracle.events(*asked), "event")
    assert not problems, "\n".join([request, *problems])


def props_of(body: dict, problems: list[str]) -> dict[str, dict]:
    """{property key: {value: row}} from `props` as a list of {key, rows} or a dict."""
    props = body.get("props")
    if isinstance(props, dict):
        items = [(k, v if isinstance(v, list) else (v or {}).get("rows")) for k, v in props.items()]
    elif isinstance(props, list):
        items = [(p.get("key", p.get("prop", p.get("name"))), p.get("rows")) for p in props]
    else:
        problems.append(f"props: {props!r}")
        return {}
    return {k: keyed(rows, lambda r: r.get("value"), f"props {k!r}", problems) for k, rows in items}


@PROPERTY
@given(data=st.data())
async def test_props_of_an_event_are_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    name = data.draw(st.sampled_from([*site.values["event"], "no-such-event"]))
    request, body, asked = await ask(api, site, "/api/stats/props", data, [("event", name)])
    problems: list[str] = []
    got = props_of(body, problems)
    want = await site.oracle.props(*asked, name)
    if set(got) != set(want):
        problems.append(f"property keys {sorted(got)}, expected {sorted(want)}")
    for key in set(got) & set(want):
        problems += same_rows(got[key], want[key], f"prop {key!r} value")
    assert not problems, "\n".join([request, *problems])


@PROPERTY
@given(data=st.data())
async def test_goals_are_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    request, body, asked = await ask(api, site, "/api/stats/goals", data)
    problems: list[str] = []
    got = keyed(body.get("goals"), lambda r: r.get("name"), "goals", problems)
    problems += same_rows(got, await site.oracle.goals(*asked), "goal")
    assert not problems, "\n".join([request, *problems])


def step_values(values: dict[str, list[str]]) -> list[str]:
    pages = [p for p in values["page"] if "*" not in p]
    patterns = ["/*", "/blog*", "/blog/*", "/docs/*/b", "/50%_off", "/5_*", "/t*"]
    return [f"page:{p}" for p in pages + patterns] + [f"event:{e}" for e in values["event"]]


@PROPERTY
@given(data=st.data())
async def test_funnel_is_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    steps = data.draw(st.lists(st.sampled_from(step_values(site.values)), min_size=2, max_size=8))
    extra = [("step", s) for s in steps]
    request, body, asked = await ask(api, site, "/api/stats/funnel", data, extra)
    want = await site.oracle.funnel(*asked, steps)
    got = body.get("steps")
    problems: list[str] = []
    if not isinstance(got, list) or len(got) != len(want):
        problems.append(f"steps {got!r}, expected {len(want)}")
    else:
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            problems += mismatches(g, {"step": steps[i], **w}, f"step {i + 1} ({steps[i]})")
    assert not problems, "\n".join([request, *problems])


@PROPERTY
@given(data=st.data())
async def test_errors_are_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    request, body, asked = await ask(api, site, "/api/stats/errors", data)
    problems: list[str] = []
    got = keyed(body.get("rows"), lambda r: (r.get("kind"), r.get("message")), "rows", problems)
    want = await site.oracle.errors(*asked)
    problems += same_rows(
        got,
        {k: {n: w[n] for n in ("kind", "message", "events", "visitors")} for k, w in want.items()},
        "error",
    )
    for k in set(got) & set(want):
        counts = want[k]["pages"]  # path -> errors
        pages = got[k].get("pages")
        if isinstance(pages, list) and all(isinstance(p, dict) for p in pages):
            pages = [p.get("path", p.get("page")) for p in pages]
        if not isinstance(pages, list) or len(set(pages)) != len(pages):
            problems.append(f"error {k!r}: pages {pages!r}")
            continue
        if len(pages) != min(3, len(counts)) or not set(pages) <= set(counts):
            problems.append(f"error {k!r}: pages {pages!r}, errors per path {counts}")
            continue
        left_out = [n for p, n in counts.items() if p not in pages]
        if left_out and min(counts[p] for p in pages) < max(left_out):
            problems.append(f"error {k!r}: pages {pages!r} are not the top 3 of {counts}")
        elif [counts[p] for p in pages] != sorted((counts[p] for p in pages), reverse=True):
            problems.append(f"error {k!r}: pages {pages!r} not by errors, of {counts}")
    assert not problems, "\n".join([request, *problems])


@PROPERTY
@given(data=st.data())
async def test_elements_are_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    request, body, asked = await ask(api, site, "/api/stats/elements", data)
    problems: list[str] = []
    got = keyed(body.get("rows"), lambda r: r.get("el"), "rows", problems)
    want = await site.oracle.elements(*asked)
    # An element with nothing to count (only eleOff events selected) may be listed.
    counted = ("views", "hovers", "clicks")
    got = {k: r for k, r in got.items() if k in want or any(r.get(n) for n in counted)}
    problems += same_rows(got, want, "element")
    assert not problems, "\n".join([request, *problems])


@PROPERTY
@given(data=st.data())
async def test_media_timeline_is_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    el, src, _ = data.draw(st.sampled_from(MEDIA))
    extra = [("src", src)]
    with_el = data.draw(st.booleans())
    if with_el:
        extra.append(("el", el))
    request, body, asked = await ask(api, site, "/api/stats/media/timeline", data, extra)
    want, duration = await site.oracle.timeline(*asked, src, el if with_el else None)
    got = body.get("buckets")
    problems: list[str] = []
    if (body.get("src"), body.get("el")) != (src, el if with_el else None):
        problems.append(f"src, el: {body.get('src')!r}, {body.get('el')!r}")
    # Without a known duration (no events, a live stream) the README says nothing: null or 0.
    if not near(body.get("duration_s"), duration, 1e-3) and (duration or body.get("duration_s")):
        problems.append(f"duration_s {body.get('duration_s')!r}, expected {duration!r}")
    if not isinstance(got, list) or len(got) != 21:
        problems.append(f"buckets {got!r}")
    else:
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            problems += mismatches(g, w, f"bucket {i} ({5 * i} %)")
    assert not problems, "\n".join([request, *problems])


@PROPERTY
@given(data=st.data())
async def test_media_report_is_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    request, body, asked = await ask(api, site, "/api/stats/media", data)
    problems: list[str] = []
    got = keyed(body.get("media"), lambda r: (r.get("el"), r.get("src")), "media", problems)
    want = await site.oracle.media(*asked)
    for key in set(got) & set(want):
        retention = got[key].get("retention")
        expected = want[key].pop("retention")
        if not isinstance(retention, list) or len(retention) != 21:
            problems.append(f"media {key!r}: retention {retention!r}")
        else:
            problems += [
                f"media {key!r}: retention {i * 5} % = {g}, expected about {w}"
                for i, (g, w) in enumerate(zip(retention, expected, strict=True))
                if abs(g - w) > 0.05 + 1e-6
            ]
    problems += same_rows(got, want, "media")
    plays = [r.get("plays", 0) for r in body.get("media") or []]
    if plays != sorted(plays, reverse=True):
        problems.append(f"media not most played first: {plays}")
    assert not problems, "\n".join([request, *problems])


@PROPERTY
@given(data=st.data())
async def test_clicks_are_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    page = data.draw(st.sampled_from([None, "/", "/tour", "/blog", "/s\u00f6k"]))
    extra = [("url", page)] if page else []
    request, body, asked = await ask(api, site, "/api/stats/clicks", data, extra)
    points, elements = await site.oracle.clicks(*asked, page)
    problems: list[str] = []
    try:
        got = {(round(p["x"] * 100), p["y"]): p["n"] for p in body["points"]}
        if len(got) != len(body["points"]):
            problems.append(f"repeated cells in {body['points']}")
        got_elements = {e["el"]: e["clicks"] for e in body["elements"]}
    except (KeyError, TypeError):
        problems.append(f"answer {body!r}")
    else:
        if got != points:
            problems.append(
                f"cells (x %, y): {sorted(got.items())}, expected {sorted(points.items())}"
            )
        if got_elements != elements:
            problems.append(f"elements {got_elements}, expected {elements}")
    assert not problems, "\n".join([request, *problems])


@settings(PROPERTY, max_examples=10)
@given(data=st.data())
async def test_export_streams_the_selected_events(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    first, last = draw_range(data.draw, st, site.loaded.plan)
    filters = draw_filters(data.draw, st, site.values)
    pairs = [*range_pairs(site.key, first, last, filters), ("format", "ndjson")]
    request = describe("/api/export", pairs)
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{api.base_url}/api/export",
            params=pairs,
            headers={"Authorization": f"Bearer {api.token}"},
        ) as response,
    ):
        status, text = response.status, await response.text()
    assert status == 200, (request, text[:300])
    rows = [orjson.loads(line) for line in text.splitlines() if line.strip()]
    got = [(datetime.fromisoformat(r["ts"]), r["seq"], r["visitor"]) for r in rows]
    want = await site.oracle.selected(first, last, filters)
    assert got == want, (request, len(got), len(want), sorted(set(got) ^ set(want))[:5])
