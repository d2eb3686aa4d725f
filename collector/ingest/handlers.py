"""Receive: the HTTP side of ingest (POST /api/events, OPTIONS, GET /api/p.gif).

A handler does little: check the address's rate, read a bounded body, look
the site up in memory, run the pipeline, append the rows to the spool, and
(PEIL_DURABILITY=fsync) wait for the group fsync that covers them, answer.
It never waits on PostgreSQL. Why events were dropped goes back in the
`X-Peil-Dropped` header, so a site owner can debug their snippet.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

from aiohttp import web

from collector.config import Settings
from collector.durable.dedup import RecentIds
from collector.durable.spool import Spool, SpoolFull
from collector.ingest.enrich.client_address import client_address
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.referrer import host_allowed, origin_host, split_url
from collector.ingest.enrich.user_agent import parse_user_agent
from collector.ingest.pipeline import (
    RequestFacts,
    encode_rows,
    received_now,
    request_fields,
    valid_new_events,
)
from collector.ingest.ratelimit import RateLimiter
from collector.ingest.salts import SaltKeeper
from collector.ingest.sites import SiteInfo, SiteRegistry
from collector.ingest.validate import (
    MAX_BODY_BYTES,
    MAX_REF,
    MAX_URL,
    BadBody,
    Batch,
    Event,
    clean_text,
    parse_body,
)
from collector.metrics import Metrics

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


@dataclass
class Ingest:
    """Everything one process needs to accept events."""

    settings: Settings
    sites: SiteRegistry
    salts: SaltKeeper
    geoip: GeoIP
    spool: Spool
    recent_ids: RecentIds
    limiter: RateLimiter
    metrics: Metrics
    syncing: int = 0  # requests waiting for their spool fsync


INGEST = web.AppKey("ingest", Ingest)
# Per-request facts the steps hand each other (and the access log reads).
# The full address: memory only. Logs print it through describe_client().
CLIENT_ADDRESS = web.RequestKey("peil_address", object)
ALLOWED_ORIGIN = web.RequestKey("peil_origin", object)
DROPPED = web.RequestKey("peil_dropped", dict)


class Refused(Exception):
    """The request is answered without storing anything."""

    def __init__(self, status: int, reason: str, message: str, count: int = 1) -> None:
        super().__init__(message)
        self.status, self.reason, self.count = status, reason, count


def _json_error(status: int, message: str, headers: dict[str, str] | None = None):
    return web.json_response({"error": message}, status=status, headers=headers)


async def read_body(request: web.Request) -> bytes:
    """At most MAX_BODY_BYTES, or BadBody(413) as soon as it is clearly more.

    A compressed body is refused (400) before a byte of it is read: the app
    turns aiohttp's automatic inflation off (app.handler_args), so a small
    "gzip bomb" costs neither memory nor CPU, and the tracker never compresses.
    A body not complete within BODY_TIMEOUT_S is refused too (400), so a client
    that trickles it (slow loris) cannot hold a handler and a socket open.
    """
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise BadBody(400, "compressed bodies are not accepted (Content-Encoding)")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BadBody(413, f"body over {MAX_BODY_BYTES} bytes")
    content = request.content
    if content.is_eof():
        # The whole body came in with the headers, as a beacon's nearly always
        # does: nothing to wait for, so no timeout to arm and no chunk loop.
        # (Complete means bounded: the reader stops reading from the socket
        # long before a body could grow far past the limit.)
        body = content.read_nowait()
        if len(body) > MAX_BODY_BYTES:
            raise BadBody(413, f"body over {MAX_BODY_BYTES} bytes")
        return body
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_TIMEOUT_S):
            async for chunk in request.content.iter_chunked(16384):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise BadBody(413, f"body over {MAX_BODY_BYTES} bytes")
    except TimeoutError:
        # 400, not aiohttp's 504 for an uncaught TimeoutError: the body is incomplete.
        raise BadBody(400, f"body not received within {BODY_TIMEOUT_S:g} s") from None
    return bytes(body)


def check_origin(request: web.Request, batch: Batch, site: SiteInfo) -> str | None:
    """The Origin host if the request may speak for this site; Refused otherwise."""
    page = split_url(batch.url)
    if page is None or not host_allowed(page[0], site.domains):
        raise Refused(
            403, "foreign_origin", "the page url is not on the site's domains", len(batch.events)
        )
    header = request.headers.get("Origin") or request.headers.get("Referer")
    if header and header != "null":
        host = origin_host(header)
        if host is None or not host_allowed(host, site.domains):
            raise Refused(
                403, "foreign_origin", "Origin is not one of the site's domains", len(batch.events)
            )
        return host
    return None


def cors_headers(request: web.Request, allowed_origin: str | None) -> dict[str, str]:
    origin = request.headers.get("Origin")
    if not origin or allowed_origin is None:
        return {}
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


async def accept(request: web.Request, batch: Batch) -> web.Response | None:
    """Run the pipeline for one parsed batch; returns None when stored (or dropped as bot)."""
    ingest = request.app[INGEST]
    site = await ingest.sites.get(batch.site)
    if site is None:
        raise Refused(403, "unknown_site", "unknown site", len(batch.events))
    origin = check_origin(request, batch, site)
    request[ALLOWED_ORIGIN] = origin
    headers = request.headers
    user_agent = headers.get("User-Agent", "")
    agent = parse_user_agent(user_agent)
    if agent.is_bot:
        ingest.metrics.add("dropped:bot", len(batch.events))
        return None
    dropped: dict[str, int] = {}
    events = valid_new_events(batch, site, ingest.recent_ids, dropped)
    rows = b""
    if events:
        facts = RequestFacts(
            received_us=received_now(),
            address=request[CLIENT_ADDRESS],
            user_agent=user_agent,
            agent=agent,
            accept_language=headers.get("Accept-Language"),
            origin=origin,
            private=headers.get("DNT") == "1" or headers.get("Sec-GPC") == "1",
        )
        shared = request_fields(
            batch, site, facts, await ingest.salts.salt_now(), ingest.geoip, ingest.settings
        )
        rows = encode_rows(events, facts.received_us, shared)
    for reason, count in dropped.items():
        ingest.metrics.add(f"dropped:{reason}", count)
    if dropped:
        request[DROPPED] = dropped
    if rows:
        await store(ingest, site, events, facts.received_us, rows)
    return None


async def store(
    ingest: Ingest, site: SiteInfo, events: list[Event], received_us: int, rows: bytes
) -> None:
    """Append to the spool and, with PEIL_DURABILITY=fsync, wait until it is on disk."""
    if ingest.syncing >= MAX_SYNCING_REQUESTS:
        # The disk does not keep up: shed load rather than pile up requests in memory.
        raise Refused(503, "overloaded", "the spool disk is overloaded; retry later", len(events))
    try:
        durable = ingest.spool.append(received_us, len(events), rows)
    except SpoolFull:
        raise Refused(503, "overloaded", "the spool is full; retry later", len(events)) from None
    # Remembered now, so a retry racing this request is caught; forgotten again
    # if the spool fails, so that the retry is not lost as a "duplicate".
    ids = [e.client_id for e in events if e.client_id]
    ingest.recent_ids.remember(site.id, ids)
    if durable is not None:
        ingest.syncing += 1
        try:
            await durable
        except OSError:
            ingest.recent_ids.forget(site.id, ids)
            raise Refused(
                503, "overloaded", "events cannot be stored right now; retry later", len(events)
            ) from None
        finally:
            ingest.syncing -= 1
    ingest.metrics.add("events_accepted", len(events))


def locate_client(request: web.Request) -> None:
    """Client address for this request, in memory only (the access log truncates it)."""
    settings = request.app[INGEST].settings
    forwarded = request.headers.getall("X-Forwarded-For", ()) if settings.trusted_proxies else ()
    request[CLIENT_ADDRESS] = client_address(
        request.remote,  # full address: memory only; what leaves here is truncated
        ",".join(forwarded) or None,
        settings.trusted_proxies,
    )


def check_rate(request: web.Request) -> None:
    ingest = request.app[INGEST]
    address = request[CLIENT_ADDRESS]
    if ingest.limiter.enabled and address is not None and not ingest.limiter.allow(address.packed):
        raise Refused(429, "rate_limited", "too many requests from this address")


def answer_refused(request: web.Request, refused: Refused) -> web.Response:
    ingest = request.app[INGEST]
    ingest.metrics.add(f"dropped:{refused.reason}", refused.count)
    ingest.metrics.add(f"requests:{refused.status}")
    headers = {"X-Peil-Dropped": f"{refused.reason}={refused.count}"}
    if refused.status in (429, 503):
        headers["Retry-After"] = RETRY_AFTER_S
    return _json_error(refused.status, str(refused), headers)


def accepted_headers(request: web.Request) -> dict[str, str]:
    headers = cors_headers(request, request.get(ALLOWED_ORIGIN))
    dropped = request.get(DROPPED)
    if dropped:
        headers["X-Peil-Dropped"] = ", ".join(f"{k}={v}" for k, v in sorted(dropped.items()))
        headers["Access-Control-Expose-Headers"] = "X-Peil-Dropped"
    return headers


async def post_events(request: web.Request) -> web.Response:
    """POST /api/events: 202 when accepted (also with some events dropped)."""
    locate_client(request)
    try:
        check_rate(request)
        try:
            batch = parse_body(await read_body(request))
        except BadBody as bad:
            raise Refused(
                bad.status, "too_large" if bad.status == 413 else "bad_body", str(bad)
            ) from None
        await accept(request, batch)
    except Refused as refused:
        return answer_refused(request, refused)
    request.app[INGEST].metrics.add("requests:202")
    return web.Response(status=202, headers=accepted_headers(request))


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
    locate_client(request)
    status = 200
    query = request.query
    try:
        check_rate(request)
        # Cleaned like a body's url and ref: a "%00" in the query decodes to a NUL
        # that PostgreSQL would refuse in the row after the pixel was answered.
        site, url = query.get("site"), clean_text(query.get("url"), MAX_URL)
        if not site or not url:
            raise Refused(400, "bad_body", "site and url are required")
        batch = Batch(
            site=site,
            url=url,
            ref=clean_text(query.get("ref"), MAX_REF),
            screen_w=None,
            screen_h=None,
            player_version=None,
            uid=None,
            sid=None,
            events=[{"t": "pageview"}],
        )
        await accept(request, batch)
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
