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
from functools import lru_cache

from collector.config import Settings
from collector.durable.copy_format import bigint, inet, integer, row, smallint, text
from collector.durable.dedup import RecentIds
from collector.ingest.enrich.client_address import Address
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.ip_truncation import truncated_address
from collector.ingest.enrich.language import primary_language
from collector.ingest.enrich.memo import MEMO_SIZE, REFERRER_PRIVATE_PARTS, memoize_short
from collector.ingest.enrich.referrer import reduce_referrer, split_url
from collector.ingest.enrich.user_agent import CACHE_SIZE as USER_AGENT_CACHE_SIZE
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
    agent_numbers, agent_names = _agent_fields(facts.agent)
    private = facts.private
    return b"".join(
        (
            integer(site.id),
            bigint(visitor_hash(salt, site.id, addr.packed if addr else b"", facts.user_agent)),
            smallint(batch.screen_w),
            smallint(batch.screen_h),
            agent_numbers,
            text(geo.country),
            text(geo.region),
            text(geo.city),
            agent_names,
            _language_field(facts.accept_language),
            _page_fields(batch.url),
            _referrer_field(batch.ref, site.domains),
            text(facts.origin),
            text(batch.player_version),
            text(None if private else batch.uid),
            text(None if private else batch.sid),
            inet(truncated_address(addr, settings.ipv4_prefix, settings.ipv6_prefix)),
        )
    )


# The columns that follow from a header or the page URL alone, encoded once
# per distinct value: a site's traffic repeats a few of each (memo.py).
@lru_cache(maxsize=USER_AGENT_CACHE_SIZE)
def _agent_fields(agent: Agent) -> tuple[bytes, bytes]:
    """(browser_version, device) and (browser, os): apart, as columns lie between them."""
    return (
        smallint(agent.browser_version) + smallint(agent.device),
        text(agent.browser) + text(agent.os),
    )


@memoize_short(1024)
def _language_field(accept_language: str | None) -> bytes:
    return text(primary_language(accept_language))


@memoize_short(MEMO_SIZE)
def _page_fields(url: str) -> bytes:
    """host, path, query."""
    host, path, query = split_url(url) or (None, None, None)
    return text(host) + text(path) + text(query)


@memoize_short(MEMO_SIZE, unless=REFERRER_PRIVATE_PARTS)
def _referrer_field(ref: str | None, own_domains: tuple[str, ...]) -> bytes:
    return text(reduce_referrer(ref, own_domains))


def valid_new_events(
    batch: Batch, site: SiteInfo, recent: RecentIds, dropped: dict[str, int]
) -> list[Event]:
    """The batch's events that pass validation and were not seen before, in client order."""
    events = []
    ids_here: set[str] = set()
    # Trackers send events oldest first, each with its ts: then there is
    # nothing to sort, which the loop finds out on the way.
    in_order, newest = True, -1.0
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
        client_ts = event.client_ts
        if client_ts is None or client_ts < newest:
            in_order = False
        else:
            newest = client_ts
        events.append(event)
    if not in_order and any(e.client_ts is not None for e in events):
        # Stable: events with equal times (or none, placed at the newest) keep their order.
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
