"""The HTTP side of ingest: POST /api/events, OPTIONS, GET /api/p.gif.

A handler does little: run the request through the pipeline (pipeline.py:
receive, validate, enrich, encode), append its rows to the spool and
(PEIL_DURABILITY=fsync) wait for the group fsync that covers them, answer.
It never waits on PostgreSQL. Why events were dropped goes back in the
`X-Peil-Dropped` header, so a site owner can debug their snippet.
"""

from __future__ import annotations

import base64

from aiohttp import web

from collector.durable.spool import SpoolFull
from collector.ingest.enrich.referrer import origin_host
from collector.ingest.pipeline import Incoming, Ingest, run
from collector.ingest.validate import Refused

RETRY_AFTER_S = "5"
# Time for the whole body once the headers are in; 64 KiB take about 13 s even
# at 2G speeds, and a beacon is usually a few hundred bytes.
BODY_TIMEOUT_S = 30.0
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
CORS_MAX_AGE = "86400"
# Requests of one worker that may wait for the spool's fsync at once. Far
# above what a healthy disk needs (a sync takes about a millisecond); reached
# only when the disk stalls, and then each refused request costs no memory.
MAX_SYNCING_REQUESTS = 2000

INGEST = web.AppKey("ingest", Ingest)
# The full client address, for the access log, which prints it through
# describe_client() (truncated). Memory only.
CLIENT_ADDRESS = web.RequestKey("peil_address", object)


def _json_error(status: int, message: str, headers: dict[str, str] | None = None):
    return web.json_response({"error": message}, status=status, headers=headers)


async def accept(request: web.Request) -> Incoming:
    """Run the pipeline for one request and store its rows; Refused when it is refused."""
    incoming = Incoming(request.app[INGEST], request, BODY_TIMEOUT_S)
    try:
        await run(incoming)
    finally:
        request[CLIENT_ADDRESS] = incoming.address
    if incoming.rows:
        await store(incoming)
    return incoming


async def store(incoming: Incoming) -> None:
    """Append to the spool and, with PEIL_DURABILITY=fsync, wait until it is on disk."""
    ingest, events = incoming.ingest, incoming.events
    site_id = incoming.site.id
    if ingest.syncing >= MAX_SYNCING_REQUESTS:
        # The disk does not keep up: shed load rather than pile up requests in memory.
        raise Refused(503, "overloaded", "the spool disk is overloaded; retry later", len(events))
    try:
        durable = ingest.spool.append(incoming.received_us, len(events), incoming.rows)
    except SpoolFull:
        raise Refused(503, "overloaded", "the spool is full; retry later", len(events)) from None
    # Remembered now, so a retry racing this request is caught; forgotten again
    # if the spool fails, so that the retry is not lost as a "duplicate".
    ids = [e.client_id for e in events if e.client_id]
    ingest.recent_ids.remember(site_id, ids)
    if durable is not None:
        ingest.syncing += 1
        try:
            await durable
        except OSError:
            ingest.recent_ids.forget(site_id, ids)
            raise Refused(
                503, "overloaded", "events cannot be stored right now; retry later", len(events)
            ) from None
        finally:
            ingest.syncing -= 1
    ingest.metrics.add("events_accepted", len(events))


def cors_headers(request: web.Request, allowed_origin: str | None) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if not origin or allowed_origin is None:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def answer_refused(request: web.Request, refused: Refused) -> web.Response:
    ingest = request.app[INGEST]
    ingest.metrics.add(f"dropped:{refused.reason}", refused.count)
    ingest.metrics.add(f"requests:{refused.status}")
    headers = {"X-Peil-Dropped": f"{refused.reason}={refused.count}"}
    if refused.status in (429, 503):
        headers["Retry-After"] = RETRY_AFTER_S
    return _json_error(refused.status, str(refused), headers)


def accepted_headers(request: web.Request, incoming: Incoming) -> dict[str, str]:
    headers = cors_headers(request, incoming.origin)
    dropped = incoming.dropped
    if dropped:
        headers["X-Peil-Dropped"] = ", ".join(f"{k}={v}" for k, v in sorted(dropped.items()))
        headers["Access-Control-Expose-Headers"] = "X-Peil-Dropped"
    return headers


async def post_events(request: web.Request) -> web.Response:
    """POST /api/events: 202 when accepted (also with some events dropped)."""
    try:
        incoming = await accept(request)
    except Refused as refused:
        return answer_refused(request, refused)
    request.app[INGEST].metrics.add("requests:202")
    return web.Response(status=202, headers=accepted_headers(request, incoming))


async def preflight(request: web.Request) -> web.Response:
    """OPTIONS /api/events: CORS for JSON posts, only for origins of known sites."""
    host = origin_host(request.headers.get("Origin"))
    if host is None or not request.app[INGEST].sites.any_site_has(host):
        return web.Response(status=403)
    return web.Response(
        status=204,
        headers={
            "Access-Control-Allow-Origin": request.headers["Origin"],
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": CORS_MAX_AGE,
            "Vary": "Origin",
        },
    )


async def pixel(request: web.Request) -> web.Response:
    """GET /api/p.gif?site=KEY&url=...&ref=...: a pageview for pages without JavaScript."""
    status = 200
    try:
        await accept(request)
        request.app[INGEST].metrics.add("requests:202")
    except Refused as refused:
        answer_refused(request, refused)
        status = refused.status
    # Always the image, so a refused pixel never shows as a broken one.
    return web.Response(
        body=PIXEL, status=status, content_type="image/gif", headers={"Cache-Control": "no-store"}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/events", post_events)
    app.router.add_route("OPTIONS", "/api/events", preflight)
    app.router.add_get("/api/p.gif", pixel)
