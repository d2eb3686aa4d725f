"""Days folded bit by bit against the oracle: the generated events of the
last five days (today and yesterday open, the three before closed; a UTC
site and one in Europe/Amsterdam) arrive in eight batches, each followed by
one run of the rollup job as `peil serve` runs it, and a few rows of each
batch only later (a spool replayed after an outage), so a new event extends,
starts or bridges the visits the open days hold and a closed day is rebuilt.
Then overview (visits, bounces, durations, with drawn filters), the
breakdowns by every dimension (over closed and open days, and open days
alone), custom events and goals must be what plain SQL over `events` says."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collector.rollup.job import fold_new
from tests.support.analytics_checks import (
    breakdown_mismatches,
    describe,
    draw_filters,
    mismatches,
    overview_mismatches,
    range_pairs,
)
from tests.support.analytics_data import GOALS, SitePlan, generate, insert_rows
from tests.support.analytics_oracle import DIMS, Oracle, dimension_values
from tests.support.dashboard_data import add_site

BATCHES = 8


class Live:
    def __init__(self, site: dict, zone: str, oracle: Oracle, days: tuple[date, date]):
        self.key, self.zone, self.oracle, self.days = site["key"], zone, oracle, days
        self.values: dict[str, list[str]] = {}

    def __repr__(self) -> str:
        return f"<live site {self.zone}>"

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(repr(self))


@pytest.fixture(scope="module")
async def live_sites(oracle_conn) -> list[Live]:
    rng = random.Random(16)
    now = datetime.now(UTC) - timedelta(minutes=1)
    batches: list[list[tuple[int, dict]]] = [[] for _ in range(BATCHES)]
    out = []
    for zone in ("UTC", "Europe/Amsterdam"):
        site = await add_site(oracle_conn, f"Open days {zone}", zone)
        today = now.astimezone(ZoneInfo(zone)).date()
        # Three closed days (the rollup rebuilds such a day when rows come late)
        # and the two open ones.
        plan = SitePlan(f"open {zone}", zone, today - timedelta(days=4), 5)
        rows = sorted((r for r in generate(plan, 7) if r["ts"] <= now), key=lambda r: r["ts"])
        cuts = sorted(rng.sample(range(1, len(rows)), BATCHES - 1))
        for i, (start, end) in enumerate(zip([0, *cuts], [*cuts, len(rows)], strict=True)):
            for row in rows[start:end]:
                # Now and then a row arrives a few batches late.
                late = i + rng.choice((1, 2, 3)) if rng.random() < 0.04 else i
                batches[min(late, BATCHES - 1)].append((site["id"], row))
        await oracle_conn.executemany(
            "INSERT INTO goals (site_id, name, kind, match) VALUES ($1, $2, $3, $4)",
            [(site["id"], *goal) for goal in GOALS],
        )
        oracle = Oracle(oracle_conn, site["id"], zone)
        out.append(Live(site, zone, oracle, (plan.first, today)))
    for batch in batches:
        for site_id in {s for s, _ in batch}:
            await insert_rows(oracle_conn, site_id, [r for s, r in batch if s == site_id])
        await fold_new(oracle_conn)
    for live in out:
        live.values = await dimension_values(live.oracle, *live.days)
    return out


PROPERTY = settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY
@given(data=st.data())
async def test_open_days_overview_is_the_oracles(live_sites, api, data):
    live = data.draw(st.sampled_from(live_sites))
    first, last = live.days
    first = data.draw(st.sampled_from([first + timedelta(days=i) for i in range(5)]))
    filters = draw_filters(data.draw, st, live.values)
    pairs = [*range_pairs(live.key, first, last, filters), ("interval", "day")]
    request = describe("/api/stats/overview", pairs)
    status, body = await api.get("/api/stats/overview", pairs)
    assert status == 200, (request, body)
    want = await live.oracle.overview(first, last, filters, "day")
    problems = overview_mismatches(body, want, "day")
    assert not problems, "\n".join([request, *problems])


@pytest.mark.parametrize("by", DIMS)
@pytest.mark.parametrize("days", [5, 2], ids=["closed and open days", "open days"])
async def test_open_days_breakdowns_are_the_oracles(live_sites, api, by, days):
    problems = []
    for live in live_sites:
        last = live.days[1]
        first = last - timedelta(days=days - 1)
        pairs = [*range_pairs(live.key, first, last), ("by", by), ("limit", "1000")]
        status, body = await api.get("/api/stats/breakdown", pairs)
        assert status == 200, body
        want = await live.oracle.breakdown(first, last, (), by)
        problems += breakdown_mismatches(body["rows"], want, by, f"{live.zone} by={by}")
    assert not problems, "\n".join(problems)


@settings(PROPERTY, max_examples=6)
@given(data=st.data())
async def test_open_days_events_and_goals_are_the_oracles(live_sites, api, data):
    live = data.draw(st.sampled_from(live_sites))
    first, last = live.days
    filters = draw_filters(data.draw, st, live.values, most=data.draw(st.sampled_from((0, 2))))
    pairs = range_pairs(live.key, first, last, filters)
    problems = []
    for path, field, key, expected in (
        ("/api/stats/events", "rows", "name", await live.oracle.events(first, last, filters)),
        ("/api/stats/goals", "goals", "name", await live.oracle.goals(first, last, filters)),
    ):
        status, body = await api.get(path, pairs)
        assert status == 200, (describe(path, pairs), body)
        got = {r[key]: r for r in body[field]}
        if set(got) != set(expected):
            problems.append(f"{path}: {sorted(got)}, expected {sorted(expected)}")
        for k in set(got) & set(expected):
            problems += mismatches(got[k], expected[k], f"{describe(path, pairs)} {k!r}")
    assert not problems, "\n".join(problems)
