"""Enrich: everything a request's events share, as typed columns, in one place.

From the headers and the full client address (memory only): the visitor
hash, GeoIP, browser columns, language, page (its query reduced to the
parameters of PEIL_KEEP_QUERY), reduced referrer (no query at all), and last
the address truncated to the prefix Peil may keep. The client's `uid`/`sid`
only for a site in consent mode (requests under DNT or GPC are dropped in
validate, and `do_not_track` says so here too). And the events' times: the server's
receive time, spaced as the client's `ts` of the batch say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from ipaddress import IPv4Address, IPv6Address
from typing import NamedTuple

from collector.config import Settings
from collector.ingest.enrich.client_address import Address
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.ip_truncation import truncated_address
from collector.ingest.enrich.language import primary_language
from collector.ingest.enrich.memo import MEMO_SIZE, REFERRER_PRIVATE_PARTS, memoize_short
from collector.ingest.enrich.referrer import kept_query, reduce_referrer, split_url
from collector.ingest.enrich.user_agent import parse_user_agent
from collector.ingest.enrich.visitor_hash import visitor_hash
from collector.ingest.sites import SiteInfo
from collector.ingest.validate import Batch, Event

# Client clocks are only trusted for the order and spacing of events within
# one batch, never for the absolute time, and never beyond this span.
MAX_BATCH_SPAN_US = 10 * 60 * 1_000_000


class RequestColumns(NamedTuple):
    """The columns a request's events share (copy_format.REQUEST_COLUMNS, same
    names and order)."""

    site_id: int
    visitor: int  # visitor_hash.py
    screen_w: int | None
    screen_h: int | None
    browser_version: int | None
    device: int  # model.vocabulary.DEVICE_*
    country: str | None
    region: str | None
    city: str | None
    browser: str | None
    os: str | None
    lang: str | None
    host: str | None
    path: str | None
    query: str | None
    referrer: str | None
    origin: str | None
    player_version: str | None
    uid: str | None
    sid: str | None
    ip: IPv4Address | IPv6Address | None  # truncated


def request_columns(
    batch: Batch,
    site: SiteInfo,
    origin: str | None,
    headers: Mapping[str, str],
    address: Address | None,
    salt: bytes,
    geoip: GeoIP,
    settings: Settings,
) -> RequestColumns:
    """The request's columns. `origin` is the Origin host validation accepted;
    `address` the full client address, which nothing returned here holds."""
    user_agent = headers.get("User-Agent", "")
    agent = parse_user_agent(user_agent)  # cached: validation parsed it for the bot check
    geo = geoip.lookup(address)
    host, path, query = split_url(batch.url) or (None, None, None)
    if query is not None:  # only PEIL_KEEP_QUERY's parameters, before anything is stored
        query = kept_query(query, settings.keep_query)
    # Identifiers only from a site in consent mode (its tracker sends them after
    # consent); a cookieless site's statement promises none. Never under DNT/GPC
    # (such requests are dropped in validate; this holds for direct calls too).
    private = site.consent != "required" or do_not_track(headers)
    return RequestColumns(
        site_id=site.id,
        visitor=visitor_hash(salt, site.id, address.packed if address else b"", user_agent),
        screen_w=batch.screen_w,
        screen_h=batch.screen_h,
        browser_version=agent.browser_version,
        device=agent.device,
        country=geo.country,
        region=geo.region,
        city=geo.city,
        browser=agent.browser,
        os=agent.os,
        lang=language(headers.get("Accept-Language")),
        host=host,
        path=path,
        query=query,
        referrer=referrer(batch.ref, site.domains),
        origin=origin,
        player_version=batch.player_version,
        uid=None if private else batch.uid,
        sid=None if private else batch.sid,
        ip=truncated_address(address, settings.ipv4_prefix, settings.ipv6_prefix),
    )


def do_not_track(headers: Mapping[str, str]) -> bool:
    """The visitor asked not to be tracked: `DNT: 1` or `Sec-GPC: 1`."""
    return headers.get("DNT") == "1" or headers.get("Sec-GPC") == "1"


# What follows from one header or URL alone, computed once per distinct
# value: a site's traffic repeats a few of each (memo.py). Page URLs are
# split once per value in referrer.split_url, user agents parsed once in
# user_agent.py.
@memoize_short(1024)
def language(accept_language: str | None) -> str | None:
    return primary_language(accept_language)


@memoize_short(MEMO_SIZE, unless=REFERRER_PRIVATE_PARTS)
def referrer(ref: str | None, own_domains: tuple[str, ...]) -> str | None:
    return reduce_referrer(ref, own_domains)


def event_times(events: Sequence[Event], received_us: int) -> list[int]:
    """Each event's time: the receive time minus its distance from the
    batch's newest event (bounded), so order and spacing survive but a wrong
    client clock cannot move events in time. Events without a client time
    get the receive time."""
    stamps = [e.client_ts for e in events if e.client_ts is not None]
    if not stamps:
        return [received_us] * len(events)
    newest = max(stamps)
    times = []
    for event in events:
        ts = event.client_ts
        if ts is None:
            times.append(received_us)
        else:
            behind = int((newest - ts) * 1000)
            times.append(
                received_us - (behind if behind < MAX_BATCH_SPAN_US else MAX_BATCH_SPAN_US)
            )
    return times
