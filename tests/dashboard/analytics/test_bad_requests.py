"""The 400s of issue 16's parameters (DESIGN.md "Filters, comparison and
intervals"): an unknown dimension or operator, a malformed filter, (none)
with `~`/`!~`, more than 10 filters, a range of more than 400 days (with or
without a filter), a funnel of 1 or 9 steps or an unknown step kind, an
unknown `by`, `interval` or `compare`, props without `event`, a timeline
without `src`: each answers 400 with a message naming the parameter in
quotes (and the limits themselves are allowed). Then Hypothesis sends drawn garbage as
filters to every report: never a 500, a 400 always names a parameter."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.analytics_checks import Api
from tests.support.dashboard_data import add_events, add_site, at, fold

DAY = date(2026, 10, 20)
RANGE = [("from", DAY.isoformat()), ("to", (DAY + timedelta(days=2)).isoformat())]
REPORTS = {
    "/api/stats/overview": [],
    "/api/stats/breakdown": [("by", "page")],
    "/api/stats/events": [],
    "/api/stats/props": [("event", "signup")],
    "/api/stats/goals": [],
    "/api/stats/funnel": [("step", "page:/"), ("step", "event:signup")],
    "/api/stats/errors": [],
    "/api/stats/elements": [],
    "/api/stats/media": [],
    "/api/stats/media/timeline": [("src", "intro.mp4")],
    "/api/stats/clicks": [],
}


@pytest.fixture(scope="module")
async def site(database_url):
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        site = await add_site(conn, "Bad requests", "Europe/Amsterdam")
        await add_events(
            conn,
            site,
            {"ts": at(DAY, "10:00"), "visitor": 1, "t": "pageview", "path": "/", "country": "NL"},
            {"ts": at(DAY, "10:01"), "visitor": 1, "t": "custom", "path": "/", "name": "signup"},
        )
        await fold(conn, site)
        return site
    finally:
        await conn.close()


async def answer(api: Api, site, path: str, pairs: list[tuple[str, str]], with_range=True):
    return await api.get(path, [("site", site["key"]), *(RANGE if with_range else []), *pairs])


def names(message: str, parameter: str) -> bool:
    return f"'{parameter}'" in message or f'"{parameter}"' in message


async def assert_400(api, site, path, pairs, parameter, with_range=True):
    status, body = await answer(api, site, path, pairs, with_range)
    assert status == 400, (path, pairs, status, body)
    assert isinstance(body, dict) and names(body.get("error", ""), parameter), (pairs, body)


BAD_FILTERS = [
    "colour==red",  # unknown dimension
    "Country==NL",  # dimensions are lowercase names
    "country<>NL",  # unknown operator
    "country>NL",
    "country=NL",  # malformed: one '='
    "country",
    "==NL",
    "country~(none)",  # (none) only with == and !=
    "page!~(none)",
]


@pytest.mark.parametrize("bad", BAD_FILTERS)
@pytest.mark.parametrize(
    "path", ["/api/stats/overview", "/api/stats/breakdown", "/api/stats/goals"]
)
async def test_a_bad_filter_is_a_400_naming_filter(api, site, path, bad):
    await assert_400(api, site, path, [*REPORTS[path], ("filter", bad)], "filter")


async def test_ten_filters_are_allowed_and_eleven_are_not(api, site):
    filters = [("filter", f"country!=X{i}") for i in range(11)]
    status, body = await answer(api, site, "/api/stats/overview", filters[:10])
    assert status == 200, body
    assert body["pageviews"] == 1
    await assert_400(api, site, "/api/stats/overview", filters, "filter")


@pytest.mark.parametrize("filters", [[], [("filter", "country==NL")]], ids=["all", "filtered"])
async def test_a_range_may_span_400_days_not_401(api, site, filters):
    first = DAY - timedelta(days=399)
    pairs = [("site", site["key"]), ("from", first.isoformat()), *filters]
    status, body = await api.get("/api/stats/overview", [*pairs, ("to", DAY.isoformat())])
    assert status == 200, body
    assert body["pageviews"] == 1
    status, body = await api.get(
        "/api/stats/overview", [*pairs, ("to", (DAY + timedelta(days=1)).isoformat())]
    )
    assert status == 400, body
    assert names(body["error"], "from") or names(body["error"], "to"), body


@pytest.mark.parametrize("count", [1, 9])
async def test_a_funnel_has_2_to_8_steps(api, site, count):
    steps = [("step", "page:/")] * count
    await assert_400(api, site, "/api/stats/funnel", steps, "step")


@pytest.mark.parametrize("count", [2, 8])
async def test_funnels_of_2_and_8_steps_are_answered(api, site, count):
    steps = [("step", "page:/")] * count
    status, body = await answer(api, site, "/api/stats/funnel", steps)
    assert status == 200, body
    assert len(body["steps"]) == count


@pytest.mark.parametrize("step", ["click:button", "page", "/tour", "event:", "page:"])
async def test_a_step_is_page_or_event_with_a_value(api, site, step):
    await assert_400(api, site, "/api/stats/funnel", [("step", "page:/"), ("step", step)], "step")


@pytest.mark.parametrize(
    ("path", "pairs", "parameter"),
    [
        ("/api/stats/breakdown", [("by", "colour")], "by"),
        ("/api/stats/overview", [("interval", "minute")], "interval"),
        ("/api/stats/overview", [("compare", "tomorrow")], "compare"),
        ("/api/stats/breakdown", [("by", "page"), ("compare", "last")], "compare"),
        ("/api/stats/props", [], "event"),
        ("/api/stats/media/timeline", [], "src"),
    ],
)
async def test_other_bad_parameters_are_400s_naming_them(api, site, path, pairs, parameter):
    await assert_400(api, site, path, pairs, parameter)


DIM_NAMES = st.sampled_from(
    ("page", "country", "utm_source", "entry_page", "event", "media", "screen", "device")
)
OPS = st.sampled_from(("==", "!=", "~", "!~", "=", "!", "~~", "===", "<", " == ", "", "=~"))
VALUES = st.text(max_size=20) | st.sampled_from(
    ("(none)", "(None)", "", "%", "%00", "\\", "'", "*")
)
GARBAGE = (
    st.text(max_size=30)
    | st.builds(lambda d, o, v: f"{d}{o}{v}", DIM_NAMES, OPS, VALUES)
    | st.builds(lambda d, o, v: f"{d}{o}{v}", st.text(max_size=8), OPS, VALUES)
)


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(sorted(REPORTS)),
    filters=st.lists(GARBAGE, min_size=1, max_size=3),
)
async def test_no_filter_text_makes_a_report_fail(api, site, path, filters):
    pairs = [*REPORTS[path], *(("filter", f) for f in filters)]
    status, body = await answer(api, site, path, pairs)
    assert status < 500, (path, pairs, status, body)
    if status == 400:
        message = body.get("error", "") if isinstance(body, dict) else ""
        assert re.search(r"'[a-z_]+'", message), (pairs, body)
