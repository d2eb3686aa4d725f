"""The ingest pipeline of one request, step by step:

    receive (handlers.py) -> validate (validate.py) -> enrich (enrich/*)
    -> rows for COPY (here) -> spool (spool.py) -> queue (queue.py) -> writer (writer.py)

Everything about the request (address, user agent, page) is worked out once
per request and shared by its events; per event only the event's own fields
are checked. The full client address is used here, in memory, for the rate
limit, GeoIP and the visitor hash; what leaves this module is truncated.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from collector.config import Settings
from collector.ingest.copy_format import bigint, inet, integer, row, smallint, text
from collector.ingest.dedup import RecentIds
from collector.ingest.enrich.client_address import Address
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.ip_truncation import truncated_address
from collector.ingest.enrich.language import primary_language
from collector.ingest.enrich.referrer import reduce_referrer, split_url
from collector.ingest.enrich.user_agent import Agent
from collector.ingest.enrich.visitor_hash import visitor_hash
from collector.ingest.sites import SiteInfo
from collector.ingest.validate import Batch, Event, Invalid, validate_event

# Client clocks are only trusted for the order and spacing of events within
# one batch, never for the absolute time, and never beyond this span.
MAX_BATCH_SPAN_US = 10 * 60 * 1_000_000


@dataclass(slots=True)
class RequestFacts:
    """What the server knows about a request, beyond its body."""

    received_us: int  # receive time, microseconds since 1970 (UTC)
    address: Address | None
    user_agent: str
    agent: Agent
    accept_language: str | None
    origin: str | None
    private: bool  # DNT: 1 or Sec-GPC: 1


def received_now() -> int:
    return time.time_ns() // 1000


def request_fields(
    batch: Batch,
    site: SiteInfo,
    facts: RequestFacts,
    salt: bytes,
    geoip: GeoIP,
    settings: Settings,
) -> bytes:
    """The request's columns (copy_format.REQUEST_COLUMNS), encoded once for all its events."""
    addr = facts.address
    geo = geoip.lookup(addr)
    host, path, query = split_url(batch.url) or (None, None, None)
    agent = facts.agent
    private = facts.private
    return b"".join(
        (
            integer(site.id),
            bigint(visitor_hash(salt, site.id, addr.packed if addr else b"", facts.user_agent)),
            smallint(batch.screen_w),
            smallint(batch.screen_h),
            smallint(agent.browser_version),
            smallint(agent.device),
            text(geo.country),
            text(geo.region),
            text(geo.city),
            text(agent.browser),
            text(agent.os),
            text(primary_language(facts.accept_language)),
            text(host),
            text(path),
            text(query),
            text(reduce_referrer(batch.ref, site.domains)),
            text(facts.origin),
            text(batch.player_version),
            text(None if private else batch.uid),
            text(None if private else batch.sid),
            inet(truncated_address(addr, settings.ipv4_prefix, settings.ipv6_prefix)),
        )
    )


def valid_new_events(
    batch: Batch, site: SiteInfo, recent: RecentIds, dropped: dict[str, int]
) -> list[Event]:
    """The batch's events that pass validation and were not seen before, in client order."""
    events = []
    ids_here: set[str] = set()
    for raw in batch.events:
        try:
            event = validate_event(raw)
        except Invalid as invalid:
            reason = invalid.args[0]
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        client_id = event.client_id
        if client_id is not None:
            if client_id in ids_here or recent.contains(site.id, client_id):
                dropped["duplicate"] = dropped.get("duplicate", 0) + 1
                continue
            ids_here.add(client_id)
        events.append(event)
    if any(e.client_ts is not None for e in events):
        newest = max(e.client_ts for e in events if e.client_ts is not None)
        events.sort(key=lambda e: newest if e.client_ts is None else e.client_ts)
    return events


def encode_rows(events: list[Event], received_us: int, shared: bytes) -> bytes:
    """One binary COPY row per event, concatenated (one spool record).

    Each event is placed at the receive time minus its distance from the
    batch's newest event (bounded), so order and spacing survive but a wrong
    client clock cannot move events in time.
    """
    stamps = [e.client_ts for e in events if e.client_ts is not None]
    newest = max(stamps) if stamps else None
    rows = []
    for seq, e in enumerate(events):
        at = received_us
        if newest is not None and e.client_ts is not None:
            at -= min(int((newest - e.client_ts) * 1000), MAX_BATCH_SPAN_US)
        rows.append(row(at, seq, e.fields, shared))
    return b"".join(rows)
