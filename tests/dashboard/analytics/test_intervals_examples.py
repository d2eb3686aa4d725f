"""Fixed cases of intervals, comparison and the realtime series: a day when summer
time ends has 25 hourly points (the repeated hour twice, told apart by its UTC
offset), one when it starts 23, a day in UTC 24; `hour` is the default for one
day; week and month buckets are cut to the range; `compare_from`/`compare_to`
of `previous` and `year` (29 February becomes the 28th); and the realtime
`series` of the last minutes, per minute the pageviews and distinct visitors,
and its totals and top pages, without a filter, with an event filter and a
visit filter. Every number is the oracle's."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.support.analytics_checks import (
    compare_dates,
    overview_mismatches,
    parse_start,
    range_pairs,
)
from tests.support.analytics_data import CODES, COLUMNS, insert_rows, person_hash
from tests.support.analytics_oracle import Filter
from tests.support.dashboard_data import add_site, fold

AMSTERDAM, UTC_SITE, NEW_YORK = 0, 1, 2
EMPTY = dict.fromkeys(COLUMNS)
WINDOW = timedelta(minutes=30)


async def overview(api, site, first, last, *extra, filters=()):
    pairs = [*range_pairs(site.key, first, last, filters), *extra]
    status, body = await api.get("/api/stats/overview", pairs)
    assert status == 200, (pairs, body)
    return body


@pytest.mark.parametrize(
    ("which", "day", "hours", "repeated"),
    [
        (AMSTERDAM, date(2026, 10, 25), 25, "02:00"),
        (NEW_YORK, date(2026, 11, 1), 25, "01:00"),
        (AMSTERDAM, date(2026, 3, 29), 23, None),
        (UTC_SITE, date(2026, 10, 25), 24, None),
    ],
)
async def test_hourly_points_are_the_local_clock_hours_of_the_day(
    sites, api, which, day, hours, repeated
):
    site = sites[which]
    body = await overview(api, site, day, day, ("interval", "hour"))
    starts = [parse_start(p["start"]) for p in body["series"]]
    assert len(starts) == hours, [p["start"] for p in body["series"]]
    assert all(isinstance(s, datetime) for s in starts)
    assert starts == sorted(starts, key=lambda s: s.astimezone(UTC) if s.tzinfo else s)
    clocks = [s.strftime("%H:%M") for s in starts]
    if repeated:
        twice = [s for s in starts if s.strftime("%H:%M") == repeated]
        assert len(twice) == 2 and twice[0].utcoffset() != twice[1].utcoffset(), twice
    else:
        assert len(set(clocks)) == len(clocks)
    if hours == 23:
        assert "02:00" not in clocks
    want = await site.oracle.overview(day, day, (), "hour")
    assert not overview_mismatches(body, want, "hour")
    # One day without `interval`: hours too.
    assert (await overview(api, site, day, day))["series"] == body["series"]


async def test_the_hourly_series_on_the_dst_day_counts_each_repeated_hour_apart(sites, api):
    site = sites[AMSTERDAM]
    day = date(2026, 10, 25)
    body = await overview(api, site, day, day, ("interval", "hour"))
    # /dst has one pageview per UTC hour, at half past: every point has one.
    dst = Filter("page", "==", "/dst")
    only = await overview(api, site, day, day, ("interval", "hour"), filters=(dst,))
    assert [p["pageviews"] for p in only["series"]] == [1] * 25
    assert sum(p["pageviews"] for p in body["series"]) == body["pageviews"]


@pytest.mark.parametrize(
    ("interval", "starts"),
    [
        ("week", ["2026-10-22", "2026-10-26", "2026-11-02"]),
        ("month", ["2026-10-22", "2026-11-01"]),
        ("day", [(date(2026, 10, 22) + timedelta(days=i)).isoformat() for i in range(13)]),
    ],
)
async def test_week_and_month_buckets_are_cut_to_the_range(sites, api, interval, starts):
    site = sites[NEW_YORK]
    first, last = date(2026, 10, 22), date(2026, 11, 3)
    body = await overview(api, site, first, last, ("interval", interval))
    assert [p["start"] for p in body["series"]] == starts
    want = await site.oracle.overview(first, last, (), interval)
    assert not overview_mismatches(body, want, interval)


@pytest.mark.parametrize(
    ("first", "last", "compare", "expected"),
    [
        ("2026-10-22", "2026-10-24", "previous", ("2026-10-19", "2026-10-21")),
        ("2026-10-25", "2026-10-25", "previous", ("2026-10-24", "2026-10-24")),
        ("2026-10-22", "2026-10-24", "year", ("2025-10-22", "2025-10-24")),
        ("2024-02-29", "2024-03-01", "year", ("2023-02-28", "2023-03-01")),
        ("2024-02-28", "2024-02-29", "year", ("2023-02-28", "2023-02-28")),
    ],
)
async def test_compared_periods(sites, api, first, last, compare, expected):
    site = sites[AMSTERDAM]
    first, last = date.fromisoformat(first), date.fromisoformat(last)
    body = await overview(api, site, first, last, ("compare", compare))
    assert compare_dates(body) == expected
    c_first, c_last = map(date.fromisoformat, expected)
    interval = "hour" if first == last else "day"
    want = await site.oracle.overview(c_first, c_last, (), interval)
    assert not overview_mismatches(body["compare"], want, interval, "compare")


# -- realtime --------------------------------------------------------------------


@pytest.fixture(scope="module")
async def live_site(oracle_conn):
    """A UTC site with pageviews (and a click) every minute of the last 40."""
    site = await add_site(oracle_conn, "Realtime")
    now = datetime.now(UTC)
    rows = []
    for minute in range(40):
        for person in range(minute % 4 + 1):
            ts = now - timedelta(minutes=minute, seconds=5 + 7 * person)
            visitor = person_hash("rt", person, ts.date())
            page = "/rt-a" if person % 2 else "/rt-b"
            country = "NL" if person in (0, 2) else "DE"
            rows.append(
                {"ts": ts, "visitor": visitor, "type": CODES["pageview"], "path": page,
                 "country": country}
            )  # fmt: skip
            if person == 2:
                click = {"type": CODES["click"], "path": page, "el": "a", "x": 0.5, "y": 1}
                rows.append(
                    {**click, "ts": ts + timedelta(seconds=1), "visitor": visitor, "country": "NL"}
                )
        # One visitor with only a click in this minute.
        ts = now - timedelta(minutes=minute, seconds=2)
        click = {"type": CODES["click"], "path": "/rt-a", "el": "b", "x": 0.1, "y": 2}
        rows.append({**click, "ts": ts, "visitor": person_hash("rt", 99, ts.date())})
    await insert_rows(oracle_conn, site["id"], [{**EMPTY, "seq": 0, **r} for r in rows])
    # Visit filters see the rollup's visits (README), which the jobs fold within seconds.
    await fold(oracle_conn, site)
    return site


def minute_of(point: dict) -> datetime | None:
    for value in point.values():
        if isinstance(value, str):
            try:
                found = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return found if found.tzinfo else found.replace(tzinfo=UTC)
    return None


@pytest.mark.parametrize(
    "filters",
    [(), (Filter("page", "==", "/rt-a"),), (Filter("country", "==", "NL"),)],
    ids=["all", "page", "country"],
)
async def test_realtime_series_counts_each_minute(api, oracle_conn, live_site, filters):
    before = datetime.now(UTC)
    pairs = [("site", live_site["key"]), *(("filter", f.text()) for f in filters)]
    status, body = await api.get("/api/stats/realtime", pairs)
    after = datetime.now(UTC)
    assert status == 200, body
    series = body["series"]
    assert len(series) in (30, 31), len(series)
    minutes = [minute_of(p) for p in series]
    assert None not in minutes, series[0]
    assert all(b - a == timedelta(minutes=1) for a, b in itertools.pairwise(minutes))
    current = {before.replace(second=0, microsecond=0), after.replace(second=0, microsecond=0)}
    assert minutes[-1] in current, (minutes[-1], current)
    page = filters[0].value if filters and filters[0].dim == "page" else None
    # Each person's visits all have one country (the click-only visitor none).
    country = filters[0].value if filters and filters[0].dim == "country" else None
    wrong = []
    for start, point in zip(minutes, series, strict=True):
        row = await oracle_conn.fetchrow(
            """SELECT count(*) FILTER (WHERE type = 1) AS pageviews,
                      count(DISTINCT visitor) AS visitors
               FROM events WHERE site_id = $1 AND ts >= $2 AND ts < $2 + interval '1 minute'
                 AND ($3::text IS NULL OR path = $3) AND ($4::text IS NULL OR country = $4)""",
            live_site["id"],
            start,
            page,
            country,
        )
        if (point["pageviews"], point["visitors"]) != tuple(row):
            wrong.append(f"{point}: expected {tuple(row)} (pageviews, visitors)")
    # The totals: computed as of just before and just after the request (an event
    # may leave a window meanwhile), the answer between the two.
    where = (
        "site_id = $1 AND ($3::text IS NULL OR path = $3) AND ($4::text IS NULL OR country = $4)"
    )
    totals = f"""SELECT count(DISTINCT visitor) FILTER (WHERE ts >= $5) AS v5,
                        count(*) FILTER (WHERE type = 1) AS p30
                 FROM events WHERE {where} AND ts >= $2"""
    pages = f"""SELECT path, count(DISTINCT visitor), count(*) FROM events
                WHERE {where} AND ts >= $2 AND type = 1 GROUP BY path"""
    early, late = [
        (
            await oracle_conn.fetchrow(
                totals, live_site["id"], t - WINDOW, page, country, t - timedelta(minutes=5)
            ),
            {
                tuple(r)
                for r in await oracle_conn.fetch(pages, live_site["id"], t - WINDOW, page, country)
            },
        )
        for t in (before, after)
    ]
    if not late[0]["v5"] <= body["visitors_5m"] <= early[0]["v5"]:
        wrong.append(
            f"visitors_5m {body['visitors_5m']}, expected {late[0]['v5']}..{early[0]['v5']}"
        )
    if not late[0]["p30"] <= body["pageviews_30m"] <= early[0]["p30"]:
        wrong.append(
            f"pageviews_30m {body['pageviews_30m']}, expected {late[0]['p30']}..{early[0]['p30']}"
        )
    got_pages = {(p["page"], p["visitors"], p["pageviews"]) for p in body["top_pages"]}
    if early[1] == late[1] and got_pages != early[1]:
        wrong.append(f"top_pages {sorted(got_pages)}, expected {sorted(early[1])}")
    assert not wrong, "\n".join(wrong)
