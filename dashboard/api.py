"""Routes of the dashboard HTTP API (DESIGN.md, "HTTP API for dashboards").

Each request goes: authorize (dashboard/access.py: 421, 401, 403) -> check
every parameter (400) -> find the site among those the caller reads (404)
-> answer from the rollups (or raw events for realtime and export). Errors
are JSON `{"error": "one sentence"}`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
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
from dashboard.stats.breakdown import breakdown
from dashboard.stats.clicks import clicks
from dashboard.stats.media import media
from dashboard.stats.overview import overview
from dashboard.stats.realtime import realtime

RANGE = ("site", "from", "to")


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
    conn: asyncpg.Connection, user: Principal, key: str, span: params.Span
) -> Target:
    site = await readable_site(conn, user, key)
    if site is None:
        raise SiteNotFound(f"There is no site with the key {key!r}.")
    today = local_day(datetime.now(UTC), site.timezone)
    first, last = span.resolve(today)
    return Target(user, site.id, key, site.timezone, first, last)


def endpoint(allowed: tuple[str, ...], choose: Callable[[Mapping[str, str]], Answer]):
    """A handler: check the `allowed` parameters, find the site, then run the answer
    `choose` picks from the (checked) query. The caller was authorized before."""

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            user = request[PRINCIPAL]
            query = request.query
            params.check_names(query, allowed)
            key, span = params.site_key(query), params.span(query)
            run = choose(query)
            # Reads: the standby of PEIL_READ_DATABASE_URL when there is one.
            async with read_connection(request.app) as conn:
                target = await find_target(conn, user, key, span)
                return await run(request, conn, target)
        except BadRequest as exc:
            return error(400, str(exc))
        except SiteNotFound as exc:
            return error(404, str(exc))

    return handler


def from_rollups(work: Callable[..., Awaitable[dict[str, Any]]], *extra: Any) -> Answer:
    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.Response:
        return json_response(await work(conn, t.site_id, t.first, t.last, *extra))

    return run


def overview_answer(query: Mapping[str, str]) -> Answer:
    return from_rollups(overview)


def breakdown_answer(query: Mapping[str, str]) -> Answer:
    return from_rollups(breakdown, params.dimension(query), params.limit(query))


def media_answer(query: Mapping[str, str]) -> Answer:
    return from_rollups(media)


def clicks_answer(query: Mapping[str, str]) -> Answer:
    return from_rollups(clicks, params.page_path(query))


def realtime_answer(query: Mapping[str, str]) -> Answer:
    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.Response:
        return json_response(await realtime(conn, t.site_id))

    return run


def export_answer(query: Mapping[str, str]) -> Answer:
    fmt = params.export_format(query)

    async def run(request: web.Request, conn: asyncpg.Connection, t: Target) -> web.StreamResponse:
        days = {"site": t.key, "from": t.first.isoformat(), "to": t.last.isoformat()}
        async with request.app[POOL].acquire() as primary:  # a standby takes no writes
            await record(primary, t.user.email, "export", {**days, "format": fmt})
        span = (day_bounds(t.first, t.timezone)[0], day_bounds(t.last, t.timezone)[1])
        return await export.stream(
            request, conn, (t.site_id, t.key), span, (t.first, t.last), fmt, request.app[SETTINGS]
        )

    return run


def add_routes(app: web.Application) -> None:
    """Mount the stats API, the export and the login routes."""
    stats = "/api/stats"
    app.router.add_get(f"{stats}/overview", endpoint(RANGE, overview_answer))
    app.router.add_get(f"{stats}/breakdown", endpoint((*RANGE, "by", "limit"), breakdown_answer))
    app.router.add_get(f"{stats}/media", endpoint(RANGE, media_answer))
    app.router.add_get(f"{stats}/clicks", endpoint((*RANGE, "url"), clicks_answer))
    app.router.add_get(f"{stats}/realtime", endpoint(("site",), realtime_answer))
    # No HEAD: it would run (and audit) an export only to throw it away.
    app.router.add_get("/api/export", endpoint((*RANGE, "format"), export_answer), allow_head=False)
    login.add_routes(app)
    page.add_routes(app)
    admin.add_routes(app)
    privacy_requests.add_routes(app)
