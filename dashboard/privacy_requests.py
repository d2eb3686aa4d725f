"""Privacy requests over HTTP (admin session only): `/api/admin/privacy/...` and the
audit trail at `/api/admin/audit`.

Each route is the command of the same name (`peil forget`, `subject-export`,
`privacy-statement`, `audit`) through the same collector/privacy functions,
so the checks, the batching and the audit row (with the acting admin's
email) are the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from aiohttp import web

from collector.errors import PeilError
from collector.keys import POOL, SETTINGS
from collector.privacy.audit_trail import audit_rows, rows_of
from collector.privacy.forget import forget
from collector.privacy.statement import FORMATS, LANGUAGES, statement_for
from collector.privacy.subject import site_id_for_key
from collector.privacy.subject_export import subject_rows
from dashboard import params
from dashboard.access import PRINCIPAL
from dashboard.admin import answer, json_body
from dashboard.export import Encoder

PREFIX = "/api/admin"
EXPORT_FORMATS = ("json", "csv")
STATEMENT_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
# A statement fragment shown on Peil's own origin: nothing in it may load or run.
STATEMENT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"


def refused(exc: Exception) -> web.Response:
    return answer({"error": str(exc)}, 400)


def visitor(source: Mapping[str, Any], name: str) -> str | None:
    value = source.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise PeilError(f"{name!r} must be the visitor's id as text.")
    return params.text(value, name)


async def forget_route(request: web.Request) -> web.Response:
    """POST {"uid": ...} or {"sid": ...}, optional "site": {"deleted": N}."""
    try:
        body = await json_body(request)
        site = body.get("site")
        if site is not None and not isinstance(site, str):
            raise PeilError("'site' must be a site key.")
        if site is not None:
            params.text(site, "site")
        uid, sid = visitor(body, "uid"), visitor(body, "sid")
        async with request.app[POOL].acquire() as conn:
            site_id = await site_id_for_key(conn, site)
            deleted = await forget(
                conn, uid=uid, sid=sid, site_id=site_id, actor=request[PRINCIPAL].email
            )
    except (PeilError, params.BadRequest) as exc:
        return refused(exc)
    return answer({"deleted": deleted}, 200)


async def export_route(request: web.Request) -> web.StreamResponse:
    """GET ?uid= or ?sid= [&site=KEY] [&format=json|csv]: the visitor's raw events."""
    query = request.query
    try:
        params.check_names(query, ("uid", "sid", "site", "format"))
        fmt = params.choice(query, "format", EXPORT_FORMATS, default="json")
        async with request.app[POOL].acquire() as conn:
            site_id = await site_id_for_key(conn, query.get("site"))
            async with subject_rows(
                conn,
                uid=query.get("uid"),
                sid=query.get("sid"),
                site_id=site_id,
                actor=request[PRINCIPAL].email,
                fmt=fmt,
            ) as export:
                return await send_export(request, export, fmt)
    except (PeilError, params.BadRequest) as exc:
        return refused(exc)


async def send_export(request: web.Request, export, fmt: str) -> web.StreamResponse:
    encoder = Encoder(fmt, export.columns)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8" if fmt == "csv" else "application/json",
            "Content-Disposition": f'attachment; filename="peil-subject.{fmt}"',
            "Cache-Control": "no-store",
        }
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(encoder.header())
    async for chunk in export.chunks():
        await response.write(encoder.rows(chunk))
    await response.write(encoder.footer())
    await response.write_eof()
    return response


async def statement_route(request: web.Request) -> web.Response:
    """GET ?site=KEY [&lang=nl|en] [&format=md|html]: the statement, as a document."""
    query = request.query
    try:
        params.check_names(query, ("site", "lang", "format"))
        key = params.site_key(query)
        lang = params.choice(query, "lang", LANGUAGES, default="nl")
        fmt = params.choice(query, "format", FORMATS, default="md")
        async with request.app[POOL].acquire() as conn:
            text = await statement_for(
                conn, key, request.app[SETTINGS], lang, fmt, actor=request[PRINCIPAL].email
            )
    except (PeilError, params.BadRequest) as exc:
        return refused(exc)
    return web.Response(
        text=text,
        headers={
            "Content-Type": STATEMENT_TYPES[fmt],
            "Content-Security-Policy": STATEMENT_CSP,
            "Cache-Control": "no-store",
        },
    )


async def audit_route(request: web.Request) -> web.Response:
    """GET [?since=YYYY-MM-DD] [&action=A]: the audit trail, oldest first."""
    query = request.query
    try:
        params.check_names(query, ("since", "action"))
        since = params.day(query, "since")
        async with request.app[POOL].acquire() as conn:
            rows = await audit_rows(
                conn, since, query.get("action") or None, actor=request[PRINCIPAL].email
            )
    except (PeilError, params.BadRequest) as exc:
        return refused(exc)
    body = {
        "rows": [
            {
                "at": row.at.isoformat(),
                "actor": row.actor,
                "action": row.action,
                "rows": rows_of(row),
                "detail": row.detail,
            }
            for row in rows
        ]
    }
    return web.Response(
        body=orjson.dumps(body),
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/privacy/forget", forget_route)
    # No HEAD: it would read (and audit) a visitor's events only to throw them away.
    app.router.add_get(f"{PREFIX}/privacy/export", export_route, allow_head=False)
    app.router.add_get(f"{PREFIX}/privacy/statement", statement_route)
    app.router.add_get(f"{PREFIX}/audit", audit_route)
