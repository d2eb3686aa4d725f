"""Time zones at their edges against the oracle: America/Santiago changes its
clocks at midnight (2026-09-06 begins at 01:00 and has 23 hours; on
2026-04-04 the hour from 23:00 comes twice, 25 hours), Asia/Kolkata is
UTC+05:30 (its clock hours start at half past in UTC) and Pacific/Kiritimati
UTC+14 (its day begins the previous UTC morning). The hourly points of those
days, and Hypothesis-drawn overviews (any interval, filters, comparison) and
breakdowns of generated data in these zones, must be the oracle's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.analytics_checks import (
    breakdown_mismatches,
    describe,
    draw_filters,
    draw_range,
    overview_mismatches,
    parse_start,
    range_pairs,
)
from tests.support.analytics_data import SitePlan, data_days, load_dataset
from tests.support.analytics_oracle import DIMS, Oracle, compare_range, dimension_values

PLANS = (
    SitePlan(
        "Santiago",
        "America/Santiago",
        date(2026, 9, 3),
        6,
        tuple(date(2026, 4, d) for d in range(2, 7)),
    ),
    SitePlan("Kolkata", "Asia/Kolkata", date(2026, 10, 20), 4),
    SitePlan("Kiritimati", "Pacific/Kiritimati", date(2026, 10, 20), 4),
)


class Zoned:
    def __init__(self, loaded, oracle: Oracle, values: dict) -> None:
        self.loaded, self.oracle, self.values = loaded, oracle, values
        self.key = loaded.key

    def __repr__(self) -> str:
        return f"<site {self.loaded.plan.timezone}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


@pytest.fixture(scope="module")
async def zoned(oracle_conn) -> list[Zoned]:
    out = []
    for loaded in await load_dataset(oracle_conn, 20, PLANS):
        oracle = Oracle(oracle_conn, loaded.id, loaded.plan.timezone)
        days = data_days(loaded.plan)
        out.append(Zoned(loaded, oracle, await dimension_values(oracle, days[0], days[-1])))
    return out


@pytest.mark.parametrize(
    ("which", "day", "hours", "first_start", "repeated"),
    [
        (0, date(2026, 9, 6), 23, "2026-09-06T04:00:00+00:00", None),
        (0, date(2026, 4, 4), 25, "2026-04-04T03:00:00+00:00", "23:00"),
        (1, date(2026, 10, 21), 24, "2026-10-20T18:30:00+00:00", None),
        (2, date(2026, 10, 21), 24, "2026-10-20T10:00:00+00:00", None),
    ],
)
async def test_hourly_points_of_days_at_the_zones_edges(
    zoned, api, which, day, hours, first_start, repeated
):
    site = zoned[which]
    pairs = [*range_pairs(site.key, day, day), ("interval", "hour")]
    status, body = await api.get("/api/stats/overview", pairs)
    assert status == 200, body
    starts = [parse_start(p["start"]) for p in body["series"]]
    assert len(starts) == hours, [p["start"] for p in body["series"]]
    assert starts[0].astimezone(UTC) == datetime.fromisoformat(first_start)
    assert all(s.minute == 0 for s in starts)  # local clock hours, in the local offset
    if repeated:
        assert [s.strftime("%H:%M") for s in starts].count(repeated) == 2
    want = await site.oracle.overview(day, day, (), "hour")
    assert not overview_mismatches(body, want, "hour")


PROPERTY = settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
async def test_overview_in_these_zones_is_the_oracles(zoned, api, data):
    site = data.draw(st.sampled_from(zoned))
    interval = data.draw(st.sampled_from((None, "hour", "day", "week", "month")))
    first, last = draw_range(data.draw, st, site.loaded.plan, 3 if interval == "hour" else 8)
    filters = draw_filters(data.draw, st, site.values)
    compare = data.draw(st.sampled_from((None, "previous")))
    pairs = range_pairs(site.key, first, last, filters)
    pairs += [("interval", interval)] if interval else []
    pairs += [("compare", compare)] if compare else []
    request = describe("/api/stats/overview", pairs)
    status, body = await api.get("/api/stats/overview", pairs)
    assert status == 200, (request, body)
    used = interval or ("hour" if first == last else "day")
    problems = overview_mismatches(
        body, await site.oracle.overview(first, last, filters, used), used
    )
    if compare:
        c_first, c_last = compare_range(first, last, compare)
        want = await site.oracle.overview(c_first, c_last, filters, used)
        problems += overview_mismatches(body.get("compare") or {}, want, used, "compare")
    assert not problems, "\n".join([request, *problems])


@PROPERTY
@given(data=st.data())
async def test_breakdowns_in_these_zones_are_the_oracles(zoned, api, data):
    site = data.draw(st.sampled_from(zoned))
    by = data.draw(st.sampled_from(DIMS))
    first, last = draw_range(data.draw, st, site.loaded.plan, 8)
    filters = draw_filters(data.draw, st, site.values)
    pairs = [*range_pairs(site.key, first, last, filters), ("by", by), ("limit", "1000")]
    request = describe("/api/stats/breakdown", pairs)
    status, body = await api.get("/api/stats/breakdown", pairs)
    assert status == 200, (request, body)
    want = await site.oracle.breakdown(first, last, filters, by)
    problems = breakdown_mismatches(body.get("rows"), want, by, f"by={by}")
    assert not problems, "\n".join([request, *problems])


async def test_a_day_in_kiritimati_starts_the_utc_morning_before(zoned, api):
    site = zoned[2]
    day = date(2026, 10, 21)
    status, body = await api.get("/api/stats/overview", range_pairs(site.key, day, day))
    assert status == 200
    want = await site.oracle.overview(day, day, (), "hour")
    assert not overview_mismatches(body, want, "hour")
    assert timedelta(hours=14) == parse_start(body["series"][0]["start"]).utcoffset()
