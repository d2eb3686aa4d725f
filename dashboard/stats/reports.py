"""The reports answered from the selection (visits and raw events): custom
events and their props, goals, funnels, errors, elements, the media
timeline, and the filtered media, clicks and realtime answers.

Definitions: README, "Filters, visits and the reports' definitions"; the
queries are sql/queries/dashboard.stats.reports.*.sql, each taking the
selection's ten parameters first (dashboard/stats/selection.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import groupby
from typing import Any

import asyncpg

from collector.db.queries import load
from collector.rollup import day_reports
from collector.rollup.media_plays import (
    ERROR,
    MEDIA_CODES,
    RETENTION_POINTS,
    MediaDay,
    MediaEvent,
    summarize,
)
from collector.store.goals import Goal, is_wildcard, list_goals
from dashboard.stats import ratio
from dashboard.stats.analytics import visit_args
from dashboard.stats.clicks import cells_and_elements
from dashboard.stats.media import summary
from dashboard.stats.selection import Selection, made_split, planned_with_parameters

SQL = load(__name__)

TIMELINE_KINDS = ("clicks", "hovers", "pauses", "seeks_from", "seeks_to", "errors")
MEDIA_SUMS = ("loads", "plays", "viewers", "completions", "seeks", "rewinds", "errors")


async def _fetch(conn: asyncpg.Connection, query: str, s: Selection, *more: Any) -> list:
    async with planned_with_parameters(conn):
        return await conn.fetch(query, *s.args(), *more)


Span = tuple[list[date], Selection]


async def _report_span(conn: asyncpg.Connection, s: Selection) -> Span:
    """What a report over peil_report_rows (collector/rollup/day_reports.py)
    reads: with filters, the function's rows of every day; without, the made
    days' kept rows and the function's rows of the span of the others."""
    if s.filters:
        return [], s
    return await made_split(conn, day_reports.REPORT_DAYS, s)


async def _report_rows(conn: asyncpg.Connection, query: str, span: Span, *more: Any) -> list:
    made, live = span
    async with planned_with_parameters(conn):
        return await conn.fetch(query, *live.args(), made, *more)


async def selection_visitors(conn: asyncpg.Connection, s: Selection) -> int:
    """The visitors of every selected event: from the daily rollup without
    filters, from the visits with visit filters only, else from the events."""
    if not s.filters:
        found = await conn.fetchval(SQL.rollup_visitors, s.site_id, s.first, s.last)
        return int(found or 0)
    async with planned_with_parameters(conn):
        if not s.filters.event:
            return await conn.fetchval(SQL.visit_visitors, *visit_args(s))
        return await conn.fetchval(SQL.visitors, *s.args())


async def events(conn: asyncpg.Connection, s: Selection, limit: int) -> dict[str, Any]:
    if s.filters:
        found = await _fetch(conn, SQL.events, s, limit)
    else:
        found = await conn.fetch(SQL.events_rolled, s.site_id, s.first, s.last, limit)
    everyone = await selection_visitors(conn, s)
    return {
        "rows": [
            {
                "name": r["name"],
                "events": r["events"],
                "visitors": r["visitors"],
                "conversion_rate": ratio(r["visitors"], everyone),
            }
            for r in found
        ]
    }


async def props(conn: asyncpg.Connection, s: Selection, event: str, limit: int) -> dict[str, Any]:
    found = await _report_rows(conn, SQL.props, await _report_span(conn, s), event)
    out = []
    for key, values in groupby(found, key=lambda r: r["key"]):
        rows = [
            {"value": r["value"], "events": r["events"], "visitors": r["visitors"]} for r in values
        ]
        out.append({"key": key, "rows": rows[:limit]})
    return {"event": event, "props": out}


async def goals(conn: asyncpg.Connection, s: Selection) -> dict[str, Any]:
    listed = await list_goals(conn, s.site_id)
    if s.filters:
        kinds, matches = [g.kind for g in listed], [g.match for g in listed]
        found = await _fetch(conn, SQL.goals, s, kinds, matches)
    else:
        found = await _goals_unfiltered(conn, s, listed)
    reached = {(r["kind"], r["match"]): r for r in found}
    nothing = {"visitors": 0, "events": 0}
    everyone = await selection_visitors(conn, s)
    out = []
    for g in listed:
        r = reached.get((g.kind, g.match), nothing)
        out.append(
            {
                "name": g.name,
                "kind": g.kind,
                "visitors": r["visitors"],
                "events": r["events"],
                "conversion_rate": ratio(r["visitors"], everyone),
            }
        )
    return {"goals": out}


async def _goals_unfiltered(conn: asyncpg.Connection, s: Selection, listed: list[Goal]) -> list:
    """A goal naming one event or page is its key of the daily rollup; page
    goals with a wildcard are their kept rows of the made days and their
    events' rows of the others (collector/rollup/day_reports.py)."""
    # Two goals may share a match: each (kind, match) is counted once.
    exact = sorted({(g.kind, g.match) for g in listed if not is_wildcard(g)})
    patterns = sorted({g.match for g in listed if is_wildcard(g)})
    kinds, matches = [k for k, _ in exact], [m for _, m in exact]
    found = list(await conn.fetch(SQL.goals_rolled, s.site_id, s.first, s.last, kinds, matches))
    if patterns:
        made = [
            r["day"]
            for r in await conn.fetch(SQL.goal_made_days, s.site_id, s.first, s.last, patterns)
        ]
        live = s.not_made(made)
        async with planned_with_parameters(conn):
            found += await conn.fetch(
                SQL.wildcard_goals_rolled, *live.args(), made, patterns, ["page"] * len(patterns)
            )
    return found


async def funnel(
    conn: asyncpg.Connection, s: Selection, steps: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Per step the visits (as distinct visitor hashes per day) that reached it
    after every earlier step, in order, within one visit."""
    kinds, matches = [k for k, _ in steps], [m for _, m in steps]
    found = await _fetch(conn, SQL.funnel_events, s, kinds, matches)
    reached: list[set[tuple]] = [set() for _ in steps]
    for (day, visitor, _visit), rows in groupby(
        found, key=lambda r: (r["day"], r["visitor"], r["visit"])
    ):
        step = 0  # the next step to reach
        for r in rows:
            if step < len(steps) and step + 1 in r["steps"]:
                reached[step].add((day, visitor))
                step += 1
    counts = [len(r) for r in reached]
    out = []
    for i, ((kind, match), n) in enumerate(zip(steps, counts, strict=True)):
        previous = counts[i - 1] if i else n
        drop = 0.0 if i == 0 else (round(1 - n / previous, 4) if previous else None)
        out.append(
            {
                "step": f"{kind}:{match}",
                "visitors": n,
                "conversion_rate": ratio(n, counts[0]),
                "drop_off": drop,
            }
        )
    return {"steps": out}


async def errors(conn: asyncpg.Connection, s: Selection, limit: int) -> dict[str, Any]:
    found = await _report_rows(conn, SQL.errors, await _report_span(conn, s), limit)
    return {
        "rows": [
            {
                "kind": r["kind"],
                "message": r["message"] or None,
                "events": r["events"],
                "visitors": r["visitors"],
                "pages": [p or None for p in r["pages"]],
            }
            for r in found
        ]
    }


async def elements(conn: asyncpg.Connection, s: Selection, limit: int) -> dict[str, Any]:
    found = await _report_rows(conn, SQL.elements, await _report_span(conn, s), limit)
    return {
        "rows": [
            {
                "el": r["el"],
                "views": r["views"],
                "visitors": r["visitors"],
                "avg_visible_s": None if r["seconds"] is None else round(r["seconds"], 1),
                "hovers": r["hovers"],
                "clicks": r["clicks"],
            }
            for r in found
        ]
    }


async def media_days(
    conn: asyncpg.Connection, s: Selection, src: str | None = None, el: str | None = None
) -> dict[tuple[str, str], MediaDay]:
    """The media summaries of the selected player events, per (el, src), summed
    over the days (each day summarized as the rollup does)."""
    found = await _fetch(conn, SQL.media_events, s, list(MEDIA_CODES), ERROR, src, el)
    total: dict[tuple[str, str], MediaDay] = {}
    for _day, rows in groupby(found, key=lambda r: r["day"]):
        day_events = (
            MediaEvent(
                r["visitor"], r["el"], r["src"], r["type"], r["pos"], r["from_pos"],
                r["to_pos"], r["dur"],
            )
            for r in rows
        )  # fmt: skip
        for media, day in summarize(day_events).items():
            into = total.setdefault(media, MediaDay())
            for name in MEDIA_SUMS:
                setattr(into, name, getattr(into, name) + getattr(day, name))
            into.watch_seconds += day.watch_seconds
            into.timed_plays += day.timed_plays
            into.coverage = [a + b for a, b in zip(into.coverage, day.coverage, strict=True)]
    return total


async def media(conn: asyncpg.Connection, s: Selection, limit: int) -> dict[str, Any]:
    days = await media_days(conn, s)
    ordered = sorted(days.items(), key=lambda m: (-m[1].plays, -m[1].loads, m[0]))
    return {
        "media": [
            summary({"el": el, "src": src, "watch_seconds": d.watch_seconds, **_counts(d)})
            for (el, src), d in ordered[:limit]
        ]
    }


def _counts(d: MediaDay) -> dict[str, Any]:
    return {
        **{name: getattr(d, name) for name in MEDIA_SUMS},
        "timed_plays": d.timed_plays,
        "coverage": d.coverage,
    }


async def timeline(
    conn: asyncpg.Connection, s: Selection, src: str, el: str | None
) -> dict[str, Any]:
    """The audience curve (the media summaries' coverage: from the daily rollup
    without filters) and the interactions along the media's duration."""
    if s.filters:
        days = await media_days(conn, s, src, el)
        timed = sum(d.timed_plays for d in days.values())
        coverage = [sum(d.coverage[i] for d in days.values()) for i in range(RETENTION_POINTS)]
    else:
        rolled = await conn.fetch(SQL.timeline_audience, s.site_id, s.first, s.last, src, el)
        timed = sum(r["timed_plays"] for r in rolled)
        coverage = [sum(r["coverage"][i] for r in rolled) for i in range(RETENTION_POINTS)]
    span = await _report_span(conn, s)
    duration = float((await _report_rows(conn, SQL.media_duration, span, src, el))[0][0] or 0.0)
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    if duration:
        for r in await _report_rows(conn, SQL.timeline, span, src, el, duration):
            counts[r["kind"]][r["point"]] = r["n"]
    buckets = []
    for i in range(RETENTION_POINTS):
        point = {
            "at": round(i / (RETENTION_POINTS - 1), 2),
            "audience": round(100 * coverage[i] / timed, 1) if timed else 0.0,
        }
        point |= {kind: counts[kind].get(i, 0) for kind in TIMELINE_KINDS}
        buckets.append(point)
    return {"src": src, "el": el, "duration_s": duration, "buckets": buckets}


async def clicks(
    conn: asyncpg.Connection, s: Selection, path: str | None, points: int, elements: int
) -> dict[str, Any]:
    cells = await _fetch(conn, SQL.click_points, s, path, points)
    els = await _fetch(conn, SQL.click_elements, s, path, elements)
    return cells_and_elements(cells, els)


async def realtime(conn: asyncpg.Connection, s: Selection, top_pages: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    oldest = now.replace(second=0, microsecond=0) - timedelta(minutes=29)
    found = await _fetch(
        conn, SQL.realtime, s, oldest, now - timedelta(minutes=5), now - timedelta(minutes=30)
    )
    minutes = {r["minute"]: r for r in found if r["kind"] == "minute"}
    total = next(r for r in found if r["kind"] == "total")
    pages = sorted(
        (r for r in found if r["kind"] == "page"), key=lambda r: (-r["pageviews"], r["path"])
    )
    series = []
    for i in range(30):
        minute = oldest + timedelta(minutes=i)
        row = minutes.get(minute)
        series.append(
            {
                "minute": minute.isoformat().replace("+00:00", "Z"),
                "pageviews": row["pageviews"] if row else 0,
                "visitors": row["visitors"] if row else 0,
            }
        )
    return {
        "visitors_5m": total["visitors"],
        "pageviews_30m": total["pageviews"],
        "top_pages": [
            {"page": p["path"], "visitors": p["visitors"], "pageviews": p["pageviews"]}
            for p in pages[:top_pages]
        ],
        "series": series,
    }
