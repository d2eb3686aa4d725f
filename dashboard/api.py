"""Routes of the dashboard HTTP API (DESIGN.md, "HTTP API for dashboards").

Each request goes: authorize (dashboard/access.py: 421, 401, 403) -> check
every parameter (400) -> find the site among those the caller reads (404)
-> answer from the rollups (or raw events for realtime and export). Errors
are JSON `{"error": "one sentence"}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import orjson
from aiohttp import web

from collector.accounts.principal import Principal
from collector.keys import POOL, SETTINGS, read_connection
from collector.rollup.days import day_bounds, local_day
from collector.store.audit import record
from dashboard import admin, export, login, page, params, privacy_requests
from dashboard.access import PRINCIPAL, readable_site
from dashboard.params import BadRequest
from dashboard.stats import reports
from dashboard.stats.breakdown import breakdown
from dashboard.stats.clicks import clicks
from dashboard.stats.filters import Filters, parse_filters
from dashboard.stats.media import media
from dashboard.stats.overview import overview
from dashboard.stats.selection import QUERY_TIMEOUT, Selection

RANGE = ("site", "from", "to", "filter")
MAX_STEPS, MIN_STEPS = 8, 2
TOP_PAGES = 10
MAX_POINTS, MAX_ELEMENTS, MAX_MEDIA = 10_000, 100, 500


class SiteNotFound(Exception):
    pass


@dataclass(frozen=True)
class Target:
    """The caller, the site and the days a request asks about."""

    user: Principal
    site_id: int
    key: str
    timezone: str
    first: date
    last: date
    filters: Filters

    def selection(self) -> Selection:
        return Selection(self.site_id, self.timezone, self.first, self.last, self.filters)

    def compared(self, compare: str | None) -> Selection | None:
        """The period `compare` (previous|year) names, or None."""
        if compare is None:
            return None
        s = self.selection()
        return s.previous() if compare == "previous" else s.year_before()


# Given the request, a connection and the target: the response.
Answer = Callable[[web.Request, asyncpg.Connection, Target], Awaitable[web.StreamResponse]]


def error(status: int, message: str) -> web.Response:
    return json_response({"error": message}, status=status)


def json_response(
    data: dict[str, Any], status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


async def find_target(
    conn: asyncpg.Connection, user: Principal, key: str, span: params.Span, filters: Filters
) -> Target:
    site = await readable_site(conn, user, key)
    if site is None:
        raise SiteNotFound(f"There is no site with the key {key!r}.")
    today = local_day(datetime.now(UTC), site.timezone)
    first, last = span.resolve(today)
    return Target(user, site.id, key, site.timezone, first, last, filters)


def endpoint(allowed: tuple[str, ...], choose: Callable[[Mapping[str, str]], Answer]):
    """A handler: check the `allowed` parameters, find the site, then run the answer
    `choose` picks from the (checked) query. The caller was authorized before."""

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            user = request[PRINCIPAL]
            query = request.query
            params.check_names(query, allowed)
            key, span = params.site_key(query), params.span(query)
            filters = parse_filters(query.getall("filter", []))
            run = choose(query)
            # Reads: the standby of PEIL_READ_DATABASE_URL when there is one.
            async with read_connection(request.app) as conn:
                target = await find_target(conn, user, key, span, filters)
                return await run(request, conn, target)
        except BadRequest as exc:
            return error(400, str(exc))
        except SiteNotFound as exc:
            return error(404, str(exc))
        except asyncpg.QueryCanceledError:
            return error(
                503,
                f"The report took longer than {QUERY_TIMEOUT} and was stopped;"
                " try a shorter range or fewer filters.",
            )

    return handler


def answer(work: Callable[..., Awaitable[dict[str, Any]]], *extra: Any) -> Answer:
    """An answer: `work(conn, selection, *extra)` as JSON."""

    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.Response:
        return json_response(await work(conn, t.selection(), *extra))

    return run


def compared(work: Callable[..., Awaitable[dict[str, Any]]], compare: str | None, *extra: Any):
    """An answer with a comparison period: `work(conn, selection, *extra, compare_selection)`."""

    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.Response:
        return json_response(await work(conn, t.selection(), *extra, t.compared(compare)))

    return run


def overview_answer(query: Mapping[str, str]) -> Answer:
    one_day = bool(query.get("from")) and query.get("from") == query.get("to")
    return compared(overview, params.compare(query), params.interval(query, one_day))


def breakdown_answer(query: Mapping[str, str]) -> Answer:
    by, limit = params.dimension(query), params.limit(query)
    return compared(breakdown, params.compare(query), by, limit)


def media_answer(query: Mapping[str, str]) -> Answer:
    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.Response:
        if t.filters:
            return json_response(await reports.media(conn, t.selection(), MAX_MEDIA))
        return json_response(await media(conn, t.site_id, t.first, t.last))

    return run


def clicks_answer(query: Mapping[str, str]) -> Answer:
    path = params.page_path(query)

    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.Response:
        if t.filters:
            found = await reports.clicks(conn, t.selection(), path, MAX_POINTS, MAX_ELEMENTS)
            return json_response(found)
        return json_response(await clicks(conn, t.selection(), path, MAX_POINTS, MAX_ELEMENTS))

    return run


def realtime_answer(query: Mapping[str, str]) -> Answer:
    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.Response:
        # Today and yesterday: the last 30 minutes in any zone.
        s = t.selection()
        today = local_day(datetime.now(UTC), t.timezone)
        s = s.shifted(today - timedelta(days=1), today)
        return json_response(await reports.realtime(conn, s, TOP_PAGES))

    return run


def events_answer(query: Mapping[str, str]) -> Answer:
    return answer(reports.events, params.limit(query))


def props_answer(query: Mapping[str, str]) -> Answer:
    event = query.get("event")
    if not event:
        raise BadRequest("Parameter 'event' (a custom event name) is required.")
    return answer(reports.props, event, params.limit(query))


def goals_answer(query: Mapping[str, str]) -> Answer:
    return answer(reports.goals)


def funnel_answer(query: Mapping[str, str]) -> Answer:
    return answer(reports.funnel, funnel_steps(query.getall("step", [])))


def funnel_steps(raw: list[str]) -> list[tuple[str, str]]:
    if not MIN_STEPS <= len(raw) <= MAX_STEPS:
        raise BadRequest(
            f"Parameter 'step' must be given {MIN_STEPS} to {MAX_STEPS} times, not {len(raw)}."
        )
    steps = []
    for step in raw:
        kind, _, match = step.partition(":")
        if kind not in ("page", "event") or not match:
            raise BadRequest(
                "Parameter 'step' must be page:PATTERN (a path, * for any characters)"
                f" or event:NAME, not {step[:60]!r}."
            )
        if kind == "page" and not match.startswith("/"):
            raise BadRequest(f"Parameter 'step': a page pattern starts with /, not {match[:60]!r}.")
        steps.append((kind, match))
    return steps


def errors_answer(query: Mapping[str, str]) -> Answer:
    return answer(reports.errors, params.limit(query))


def elements_answer(query: Mapping[str, str]) -> Answer:
    return answer(reports.elements, params.limit(query))


def timeline_answer(query: Mapping[str, str]) -> Answer:
    src = query.get("src")
    if not src:
        raise BadRequest("Parameter 'src' (the media source) is required.")
    return answer(reports.timeline, src, query.get("el") or None)


def export_answer(query: Mapping[str, str]) -> Answer:
    fmt = params.export_format(query)

    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.StreamResponse:
        days = {"site": t.key, "from": t.first.isoformat(), "to": t.last.isoformat()}
        async with request.app[POOL].acquire() as primary:  # a standby takes no writes
            await record(primary, t.user.email, "export", {**days, "format": fmt})
        span = (day_bounds(t.first, t.timezone)[0], day_bounds(t.last, t.timezone)[1])
        return await export.stream(
            request,
            conn,
            (t.site_id, t.key),
            span,
            (t.first, t.last),
            fmt,
            request.app[SETTINGS],
            t.selection().args()[1:],
        )

    return run


def add_routes(app: web.Application) -> None:
    """Mount the stats API, the export and the login routes."""
    stats = "/api/stats"
    with_limit = (*RANGE, "limit")
    routes = {
        "overview": (endpoint((*RANGE, "interval", "compare"), overview_answer)),
        "breakdown": endpoint((*RANGE, "by", "limit", "compare"), breakdown_answer),
        "media": endpoint(RANGE, media_answer),
        "media/timeline": endpoint((*RANGE, "src", "el"), timeline_answer),
        "clicks": endpoint((*RANGE, "url"), clicks_answer),
        "realtime": endpoint(("site", "filter"), realtime_answer),
        "events": endpoint(with_limit, events_answer),
        "props": endpoint((*with_limit, "event"), props_answer),
        "goals": endpoint(RANGE, goals_answer),
        "funnel": endpoint((*RANGE, "step"), funnel_answer),
        "errors": endpoint(with_limit, errors_answer),
        "elements": endpoint(with_limit, elements_answer),
    }
    for name, handler in routes.items():
        app.router.add_get(f"{stats}/{name}", handler)
    # No HEAD: it would run (and audit) an export only to throw it away.
    app.router.add_get("/api/export", endpoint((*RANGE, "format"), export_answer), allow_head=False)
    login.add_routes(app)
    page.add_routes(app)
    admin.add_routes(app)
    privacy_requests.add_routes(app)
