"""The ingest pipeline: one request through STEPS, run in this order.

    receive   headers, the client's address (memory only), its rate,    receive.py
              the body
    validate  the batch, its site and origin, bots; its valid, new      validate.py
              events, typed (Event)
    enrich    the columns the request's events share (RequestColumns),  enrich/request_columns.py
              and the events' times
    encode    binary COPY rows: the request's part encoded once, then   durable/copy_format.py
              each event's own

Each step is a small function of the request's Incoming: it reads what the
steps before it left there and adds its part (the fields under its name).
A step that leaves nothing to store (a bot, no valid event) returns False,
and the later ones do not run; one that refuses the request raises Refused.
The handlers (handlers.py) then hand the rows to the durable write path
(collector/durable/: spool -> queue -> writer) and answer.

Everything about the request (address, user agent, page) is worked out once
per request and shared by its events; per event only the event's own fields
are checked and encoded. The full client address is used in memory only,
for the rate limit, GeoIP and the visitor hash; what is stored is truncated.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from aiohttp import web

from collector.config import Settings
from collector.durable.copy_format import (
    EVENT_COLUMNS,
    REQUEST_COLUMNS,
    encode_request,
    encode_rows,
)
from collector.durable.dedup import RecentIds
from collector.durable.spool import Spool
from collector.ingest.enrich.client_address import Address
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.request_columns import (
    RequestColumns,
    do_not_track,
    event_times,
    request_columns,
)
from collector.ingest.enrich.user_agent import parse_user_agent
from collector.ingest.ratelimit import RateLimiter
from collector.ingest.receive import locate_client, read_body
from collector.ingest.salts import SaltKeeper
from collector.ingest.sites import SiteInfo, SiteRegistry
from collector.ingest.validate import (
    BadBody,
    Batch,
    Event,
    Refused,
    check_origin,
    parse_body,
    pixel_batch,
    valid_new_events,
)
from collector.metrics import Metrics


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


@dataclass(slots=True)
class Incoming:
    """One request on its way through STEPS: what each step found."""

    ingest: Ingest
    http: web.BaseRequest
    body_timeout_s: float  # for the whole body, once the headers are in
    # receive
    headers: Mapping[str, str] = field(default_factory=dict)
    address: Address | None = None  # the full client address: memory only
    body: bytes | None = None  # None for the pixel, whose query is its batch
    # validate
    batch: Batch | None = None
    site: SiteInfo | None = None
    origin: str | None = None  # the Origin host checked: for CORS and its column
    events: list[Event] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)  # events left out, by reason
    # enrich
    received_us: int = 0  # receive time, microseconds since 1970 (UTC)
    columns: RequestColumns | None = None
    times_us: list[int] = field(default_factory=list)  # of each event
    # encode
    rows: bytes = b""  # one spool record


async def run(incoming: Incoming) -> None:
    """The STEPS in order, until one leaves nothing to do; Refused when one refuses."""
    for step in STEPS:
        if not await step(incoming):
            return


def _refused(bad: BadBody) -> Refused:
    return Refused(bad.status, "too_large" if bad.status == 413 else "bad_body", str(bad))


async def receive(incoming: Incoming) -> bool:
    """The headers, the client's address, its rate, and the body (POST),
    bounded in size and time."""
    ingest, http = incoming.ingest, incoming.http
    incoming.headers = http.headers
    incoming.address = address = locate_client(http, ingest.settings.trusted_proxies)
    if ingest.limiter.enabled and address is not None and not ingest.limiter.allow(address.packed):
        raise Refused(429, "rate_limited", "too many requests from this address")
    if http.method == "POST":
        try:
            incoming.body = await read_body(http, incoming.body_timeout_s)
        except BadBody as bad:
            raise _refused(bad) from None
    return True


async def validate(incoming: Incoming) -> bool:
    """The batch (the body, or the pixel's query); its site and origin; its
    valid events not seen before, each left out counted by reason. Bots and
    requests under Do Not Track or GPC are answered as if stored (and counted)."""
    ingest = incoming.ingest
    try:
        body = incoming.body
        batch = pixel_batch(incoming.http.query) if body is None else parse_body(body)
    except BadBody as bad:
        raise _refused(bad) from None
    incoming.batch = batch
    incoming.site = site = await ingest.sites.get(batch.site)
    if site is None:
        raise Refused(403, "unknown_site", "unknown site", len(batch.events))
    incoming.origin = check_origin(batch, incoming.headers, site)
    if parse_user_agent(incoming.headers.get("User-Agent")).is_bot:
        ingest.metrics.add("dropped:bot", len(batch.events))
        return False
    if do_not_track(incoming.headers):
        # The visitor asked not to be tracked: Peil's tracker sends nothing then,
        # and whatever else sends (the pixel, a hand-made call) is not stored.
        ingest.metrics.add("dropped:do_not_track", len(batch.events))
        return False
    incoming.events = valid_new_events(batch, site, ingest.recent_ids, incoming.dropped)
    for reason, count in incoming.dropped.items():
        ingest.metrics.add(f"dropped:{reason}", count)
    return bool(incoming.events)


async def enrich(incoming: Incoming) -> bool:
    """The columns the request's events share, and each event's time."""
    ingest = incoming.ingest
    incoming.received_us = received_now()
    incoming.columns = request_columns(
        incoming.batch,
        incoming.site,
        incoming.origin,
        incoming.headers,
        incoming.address,
        await ingest.salts.salt_now(),
        ingest.geoip,
        ingest.settings,
    )
    incoming.times_us = event_times(incoming.events, incoming.received_us)
    return True


async def encode(incoming: Incoming) -> bool:
    """One binary COPY row per event, concatenated: the request's columns are
    encoded once and end every row (copy_format.REQUEST_COLUMNS)."""
    incoming.rows = encode_rows(
        incoming.events, incoming.times_us, encode_request(incoming.columns)
    )
    return True


def received_now() -> int:
    return time.time_ns() // 1000


# The encoder takes values by position, so the typed values must name the
# declared columns, in their order (an Event has its client time last).
_DECLARED = (
    (*(c.name for c in EVENT_COLUMNS), "client_ts"),
    tuple(c.name for c in REQUEST_COLUMNS),
)
if (Event._fields, RequestColumns._fields) != _DECLARED:
    raise ImportError("validate.Event or RequestColumns differ from copy_format's columns")


STEPS = (receive, validate, enrich, encode)
