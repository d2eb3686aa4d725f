"""GET /api/stats/overview against the oracle (plain SQL over `events`, README
"Filters, visits and the reports' definitions"): Hypothesis draws a site (in
Europe/Amsterdam, UTC or America/New_York), a range within its data, 0 to 3
filters on any dimension with any operator, an interval (hour, day, week,
month or the default) and a comparison (none, previous, year); pageviews,
visitors, visits, bounce rate, visit duration, events per type and every
series point must be the oracle's, and so must the compared period's."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.analytics_checks import (
    compare_dates,
    describe,
    draw_filters,
    draw_range,
    overview_mismatches,
    range_pairs,
)
from tests.support.analytics_oracle import compare_range

PROPERTY = settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
async def test_overview_is_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    interval = data.draw(st.sampled_from((None, "hour", "day", "week", "month")))
    first, last = draw_range(data.draw, st, site.loaded.plan, 3 if interval == "hour" else 12)
    filters = draw_filters(data.draw, st, site.values)
    compare = data.draw(st.sampled_from((None, "previous", "year")))
    pairs = range_pairs(site.key, first, last, filters)
    if interval:
        pairs.append(("interval", interval))
    if compare:
        pairs.append(("compare", compare))
    request = describe("/api/stats/overview", pairs)

    status, body = await api.get("/api/stats/overview", pairs)

    assert status == 200, (request, body)
    used = interval or ("hour" if first == last else "day")
    want = await site.oracle.overview(first, last, filters, used)
    problems = overview_mismatches(body, want, used)
    event(f"{len(filters)} filters, {'some' if want['pageviews'] else 'no'} pageviews")
    if compare:
        c_first, c_last = compare_range(first, last, compare)
        if not isinstance(body.get("compare"), dict):
            problems.append(f"compare: {body.get('compare')!r}")
        else:
            c_want = await site.oracle.overview(c_first, c_last, filters, used)
            problems += overview_mismatches(body["compare"], c_want, used, "compare")
        if compare_dates(body) != (c_first.isoformat(), c_last.isoformat()):
            problems.append(f"compare_from/to {compare_dates(body)}, expected {c_first}, {c_last}")
    elif "compare" in body:
        problems.append("compare in an answer that did not ask for one")
    assert not problems, "\n".join([request, *problems])
