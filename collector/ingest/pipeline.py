"""The ingest pipeline of one request, step by step:

    receive (handlers.py) -> validate (validate.py) -> enrich (enrich/*)
    -> rows for COPY (here) -> queue (queue.py) -> writer (writer.py)

Everything about the request (address, user agent, page) is worked out once
per request and shared by its events; per event only the event's own fields
are checked. The full client address is used here, in memory, for the rate
limit, GeoIP and the visitor hash; what leaves this module is truncated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from collector.config import Settings
from collector.ingest.dedup import RecentIds
from collector.ingest.enrich.client_address import Address
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.ip_truncation import truncate_ip
from collector.ingest.enrich.language import primary_language
from collector.ingest.enrich.referrer import reduce_referrer, split_url
from collector.ingest.enrich.user_agent import Agent
from collector.ingest.enrich.visitor_hash import visitor_hash
from collector.ingest.sites import SiteInfo
from collector.ingest.validate import Batch, Invalid, validate_event

# Client clocks are only trusted for the order and spacing of events within
# one batch, never for the absolute time, and never beyond this span.
MAX_BATCH_SPAN = timedelta(minutes=10)


@dataclass(slots=True)
class RequestFacts:
    """What the server knows about a request, beyond its body."""

    received: datetime
    address: Address | None
    user_agent: str
    agent: Agent
    accept_language: str | None
    origin: str | None
    private: bool  # DNT: 1 or Sec-GPC: 1


def received_now() -> datetime:
    return datetime.now(UTC)


def request_columns(
    batch: Batch,
    site: SiteInfo,
    facts: RequestFacts,
    salt: bytes,
    geoip: GeoIP,
    settings: Settings,
) -> tuple:
    """The columns every event of this request shares, in writer.COLUMNS order
    after the per-event ones: (visitor, screen..., country, ..., ip)."""
    addr = facts.address
    packed = addr.packed if addr is not None else b""
    geo = geoip.lookup(addr)
    page = split_url(batch.url) or (None, None, None)
    agent = facts.agent
    return (
        visitor_hash(salt, site.id, packed, facts.user_agent),
        batch.screen_w,
        batch.screen_h,
        agent.browser_version,
        agent.device,
        geo.country,
        geo.region,
        geo.city,
        agent.browser,
        agent.os,
        primary_language(facts.accept_language),
        page[0],
        page[1],
        page[2],
        reduce_referrer(batch.ref, site.domains),
        facts.origin,
        batch.player_version,
        None if facts.private else batch.uid,
        None if facts.private else batch.sid,
        truncate_ip(addr, settings.ipv4_prefix, settings.ipv6_prefix),
    )


def build_rows(
    batch: Batch,
    site: SiteInfo,
    facts: RequestFacts,
    shared: tuple,
    recent: RecentIds,
    dropped: dict[str, int],
) -> list[tuple]:
    """One COPY row per valid, new event; counts the others in `dropped` by reason."""
    events = []
    for raw in batch.events:
        try:
            event = validate_event(raw)
        except Invalid as invalid:
            reason = invalid.args[0]
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        if event.client_id is not None and recent.seen(site.id, event.client_id):
            dropped["duplicate"] = dropped.get("duplicate", 0) + 1
            continue
        events.append(event)
    if not events:
        return []

    # Order by client time; place each event at the receive time minus its
    # distance from the batch's newest event (bounded), so spacing survives
    # but a wrong client clock cannot move events in time.
    stamps = [e.client_ts for e in events if e.client_ts is not None]
    newest = max(stamps) if stamps else None
    if newest is not None:
        events.sort(key=lambda e: newest if e.client_ts is None else e.client_ts)

    (
        visitor,
        screen_w,
        screen_h,
        browser_version,
        device,
        country,
        region,
        city,
        browser,
        os_name,
        lang,
        host,
        path,
        query,
        referrer,
        origin,
        player_version,
        uid,
        sid,
        ip,
    ) = shared
    received = facts.received
    rows = []
    for seq, e in enumerate(events):
        ts = received
        if newest is not None and e.client_ts is not None and e.client_ts < newest:
            ts = received - min(timedelta(milliseconds=newest - e.client_ts), MAX_BATCH_SPAN)
        rows.append(
            (
                ts,
                visitor,
                site.id,
                e.pos,
                e.from_pos,
                e.to_pos,
                e.dur,
                e.x,
                e.y,
                e.eng,
                e.type,
                seq,
                e.depth,
                screen_w,
                screen_h,
                browser_version,
                device,
                country,
                region,
                city,
                browser,
                os_name,
                lang,
                host,
                path,
                query,
                referrer,
                origin,
                e.el,
                e.src,
                e.name,
                player_version,
                uid,
                sid,
                e.client_id,
                ip,
                e.props,
            )
        )
    return rows
