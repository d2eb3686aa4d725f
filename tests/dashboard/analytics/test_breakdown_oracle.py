"""GET /api/stats/breakdown against the oracle: every `by=` dimension (the 17
visit dimensions, grouping the selected visits by their first event's value,
entry or exit page, or decoded utm_* parameter; and page, host, event, media,
grouping the selected events of their kind), with 0 to 3 drawn filters and a
comparison; each row's visitors, pageviews, events (and visits, bounce rate,
average visit for visit dimensions) must be the oracle's, the rows in
(visitors, pageviews, events desc, key) order, `limit` keeping the first of
them, and `compare.rows` the compared period's numbers for the same keys.
Plus fixed cases of the utm decoding."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.analytics_checks import (
    breakdown_mismatches,
    compare_dates,
    describe,
    draw_filters,
    draw_range,
    mismatches,
    range_pairs,
    zero_row,
)
from tests.support.analytics_oracle import DIMS, VISIT_DIMS, compare_range

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
async def test_breakdown_is_the_oracles(sites, api, data):
    site = data.draw(st.sampled_from(sites))
    by = data.draw(st.sampled_from(DIMS))
    first, last = draw_range(data.draw, st, site.loaded.plan)
    filters = draw_filters(data.draw, st, site.values)
    compare = data.draw(st.sampled_from((None, None, "previous", "year")))
    pairs = [*range_pairs(site.key, first, last, filters), ("by", by), ("limit", "1000")]
    if compare:
        pairs.append(("compare", compare))
    request = describe("/api/stats/breakdown", pairs)

    status, body = await api.get("/api/stats/breakdown", pairs)

    assert status == 200, (request, body)
    want = await site.oracle.breakdown(first, last, filters, by)
    problems = breakdown_mismatches(body.get("rows"), want, by, f"by={by}")
    event(f"{len(filters)} filters, {'some' if want else 'no'} rows")
    if compare:
        c_first, c_last = compare_range(first, last, compare)
        c_want = await site.oracle.breakdown(c_first, c_last, filters, by)
        rows = (body.get("compare") or {}).get("rows")
        if not isinstance(rows, list):
            problems.append(f"compare: {body.get('compare')!r}")
        else:
            got = {r.get("key"): r for r in rows}
            keys = {r.get("key") for r in body.get("rows") or []}
            if set(got) != keys:
                problems.append(
                    f"compare keys {sorted(map(repr, got))}, rows {sorted(map(repr, keys))}"
                )
            for key in set(got) & keys:
                expected = c_want.get(key) or zero_row(key, by in VISIT_DIMS)
                problems += mismatches(got[key], expected, f"compare key {key!r}")
        if compare_dates(body) != (c_first.isoformat(), c_last.isoformat()):
            problems.append(f"compare_from/to {compare_dates(body)}, expected {c_first}, {c_last}")
    # `limit` keeps the first rows of that order (ties broken by key).
    if not problems and len(body["rows"]) > 2:
        limited = [(n, v) if n != "limit" else ("limit", "2") for n, v in pairs]
        status, short = await api.get("/api/stats/breakdown", limited)
        assert status == 200, short
        assert short["rows"] == body["rows"][:2], describe("/api/stats/breakdown", limited)
    assert not problems, "\n".join([request, *problems])


async def test_utm_parameters_are_decoded_as_a_form_and_the_first_one_counts(sites, api):
    site = sites[0]
    first, last = site.days[0], site.days[-1]
    expected = {
        # "news%20letter"; "utm%5Fsource=encoded" (an encoded name); of
        # "utm_source=first&utm_source=second" the first; "utm_source=&..." unknown.
        "utm_source": {"google", "Google", "news letter", "encoded", "first", None},
        "utm_campaign": {"spring sale", "\u00e9t\u00e9", "50%_off", None},  # '+', UTF-8, %25
        "utm_term": {"a+b", "shoes", None},  # a%2Bb is a plus sign
        "utm_content": {"Banner A", None},  # "utm_content=" is unknown
    }
    for by, keys in expected.items():
        want = await site.oracle.breakdown(first, last, (), by)
        assert set(want) == keys, by  # the oracle itself reads the queries so
        pairs = [*range_pairs(site.key, first, last), ("by", by), ("limit", "1000")]
        status, body = await api.get("/api/stats/breakdown", pairs)
        assert status == 200, body
        problems = breakdown_mismatches(body["rows"], want, by, f"by={by}")
        assert not problems, "\n".join(problems)
