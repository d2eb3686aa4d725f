"""Validate: body -> the request's fields and its valid, new events, typed.

A malformed event never fails the request: it is left out and counted (its
reason one of `model.vocabulary.DROP_REASONS`), and its neighbours are kept. Only a body
that is not JSON, or not the documented shape, is refused as a whole (400,
413 when too large), and a request for an unknown site or from a foreign
origin (403).

Strings are cut to these limits and NUL characters removed (PostgreSQL text
cannot hold them), so every event that passes here is storable; the
package's docstring and README "Ingest" state them for users:

    body 64 KiB, 1 to 200 events         page URL and referrer 2,048 chars
                                         (stored: enrich/referrer.py)
    element descriptor 200               media source 500, no query string
    custom event name 100                error message 300
    client ids and site key 64           player version 32
    props: 20 keys of 50, values of 200  (integers within 2**53)
    x 0..1, y 0..2**31-1, depth 0..100, engagement 0..24 h in ms,
    media positions 0..10,000,000 s, screen sizes 1..32767 (else unknown)

A number out of its range drops the event as `bad_field`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import orjson

from collector.durable.dedup import RecentIds
from collector.ingest.enrich.memo import MEMO_SIZE, memoize_short
from collector.ingest.enrich.referrer import host_allowed, origin_host, split_url
from collector.ingest.sites import SiteInfo
from collector.model.vocabulary import EVENT_TYPES, MEDIA_TYPES

MAX_BODY_BYTES = 64 * 1024
MAX_EVENTS = 200

MAX_URL = 2048
MAX_REF = 2048
MAX_EL = 200
MAX_SRC = 500
MAX_NAME = 100
MAX_MESSAGE = 300
MAX_ID = 64
MAX_PLAYER_VERSION = 32
MAX_PROPS = 20
MAX_PROP_KEY = 50
MAX_PROP_VALUE = 200
MAX_SECONDS = 10_000_000.0  # media positions: about 115 days
MAX_Y = 2**31 - 1
MAX_ENGAGEMENT_MS = 24 * 3600 * 1000
MAX_SCREEN = 32767


class Refused(Exception):
    """The request is answered without storing anything: `status`, the drop
    `reason`, and `count`, the events it carried."""

    def __init__(self, status: int, reason: str, message: str, count: int = 1) -> None:
        super().__init__(message)
        self.status, self.reason, self.count = status, reason, count


class BadBody(Exception):
    """The request as a whole is refused; `status` is 400 or 413."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Invalid(Exception):
    """One event is dropped; args[0] is its reason (model.vocabulary.DROP_REASONS)."""


class Batch(NamedTuple):
    """The request's own fields, and its events as sent (checked one by one later)."""

    site: str
    url: str
    ref: str | None
    screen_w: int | None
    screen_h: int | None
    player_version: str | None
    uid: str | None
    sid: str | None
    events: list[Any]


class Event(NamedTuple):
    """One valid event: its columns (copy_format.EVENT_COLUMNS, same names and
    order), then its client time, which is no column: it only orders and
    spaces the batch's events (enrich)."""

    type: int  # model.vocabulary.EVENT_TYPES
    client_id: str | None
    el: str | None = None
    src: str | None = None
    pos: float | None = None
    from_pos: float | None = None
    to_pos: float | None = None
    dur: float | None = None
    x: float | None = None
    y: int | None = None
    depth: int | None = None
    eng: int | None = None
    name: str | None = None  # custom event name, or error message
    props: str | None = None  # JSON text
    client_ts: float | None = None  # milliseconds, as the client's clock has it


def clean_text(value: Any, limit: int) -> str | None:
    """A string cut to `limit` characters, without NULs; None for absent or empty."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid("bad_field")
    if "\x00" in value:
        value = value.replace("\x00", "")
    return value[:limit] or None


def _optional_text(value: Any, limit: int) -> str | None:
    """Like clean_text, but a wrong type only loses the value, not the batch."""
    try:
        return clean_text(value, limit)
    except Invalid:
        return None


def _number(value: Any, low: float, high: float) -> float | None:
    if value is None:
        return None
    # type() rather than isinstance: bool is an int subclass and must not pass.
    # NaN fails the range test (every comparison with NaN is false).
    if (type(value) is float or type(value) is int) and low <= value <= high:
        return float(value)
    raise Invalid("bad_field")


def _integer(value: Any, low: int, high: int) -> int | None:
    number = _number(value, low, high)
    return None if number is None else int(number)


def _screen(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SCREEN:
        return value
    return None


def parse_body(body: bytes) -> Batch:
    """The request body as a Batch; BadBody when it cannot be one."""
    if len(body) > MAX_BODY_BYTES:
        raise BadBody(413, f"body over {MAX_BODY_BYTES} bytes")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadBody(400, "body is not valid JSON (UTF-8, no NaN or Infinity)") from None
    if not isinstance(data, dict):
        raise BadBody(400, "body must be a JSON object")
    site = data.get("site")
    if not isinstance(site, str) or not site or len(site) > MAX_ID:
        raise BadBody(400, "'site' must be the site key string")
    # NULs go before the URL is split: its host, path and query are stored as
    # text, and one NUL there made PostgreSQL refuse the row after the 202.
    url = _optional_text(data.get("url"), MAX_URL)
    if url is None:
        raise BadBody(400, "'url' must be the page URL string")
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise BadBody(400, "'events' must be a non-empty list")
    if len(events) > MAX_EVENTS:
        raise BadBody(413, f"more than {MAX_EVENTS} events in one body")
    return Batch(
        site=site,
        url=url,
        ref=_optional_text(data.get("ref"), MAX_REF),
        screen_w=_screen(data.get("sw")),
        screen_h=_screen(data.get("sh")),
        player_version=_optional_text(data.get("pv"), MAX_PLAYER_VERSION),
        uid=_optional_text(data.get("uid"), MAX_ID),
        sid=_optional_text(data.get("sid"), MAX_ID),
        events=events,
    )


def pixel_batch(query: Mapping[str, str]) -> Batch:
    """GET /api/p.gif?site=KEY&url=...&ref=...: one pageview; BadBody(400) without site or url."""
    # Cleaned like a body's url and ref: a "%00" in the query decodes to a NUL
    # that PostgreSQL would refuse in the row after the pixel was answered.
    site, url = query.get("site"), clean_text(query.get("url"), MAX_URL)
    if not site or not url:
        raise BadBody(400, "site and url are required")
    return Batch(
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


def check_origin(batch: Batch, headers: Mapping[str, str], site: SiteInfo) -> str | None:
    """The Origin host if the request may speak for this site; Refused(403) otherwise."""
    page = split_url(batch.url)
    if page is None or not host_allowed(page[0], site.domains):
        raise Refused(
            403, "foreign_origin", "the page url is not on the site's domains", len(batch.events)
        )
    header = headers.get("Origin") or headers.get("Referer")
    if header and header != "null":
        host = origin_host(header)
        if host is None or not host_allowed(host, site.domains):
            raise Refused(
                403, "foreign_origin", "Origin is not one of the site's domains", len(batch.events)
            )
        return host
    return None


def strip_query(src: str | None) -> str | None:
    """A media or script URL without query and fragment (they can carry tokens)."""
    if src is None or ("?" not in src and "#" not in src):
        return src
    try:
        parts = urlsplit(src)
    except ValueError:
        # urlsplit refuses some hosts ("http://[x", NFKC look-alikes); such a
        # value is still only text: cut it at the first "?" or "#" instead of
        # letting the exception fail the whole request with a 500.
        return src.split("#", 1)[0].split("?", 1)[0] or None
    return parts._replace(query="", fragment="").geturl() or None


def _props(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_PROPS:
        raise Invalid("bad_props")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        key = key.replace("\x00", "")[:MAX_PROP_KEY]
        if isinstance(item, str):
            clean[key] = item.replace("\x00", "")[:MAX_PROP_VALUE]
        elif item is None or isinstance(item, bool | int | float):
            if isinstance(item, int) and not isinstance(item, bool) and abs(item) > 2**53:
                raise Invalid("bad_props")
            clean[key] = item
        else:
            raise Invalid("bad_props")
    return orjson.dumps(clean).decode() if clean else None


def validate_event(raw: Any) -> Event:
    """One wire event as an Event; raises Invalid(reason) when it must be dropped.

    One branch per kind of event, each taking only the fields that kind has
    (the others stay None): this runs for every event, so it avoids needless
    per-field work. The client time is checked last, so a bad field is
    reported before a bad `ts`.
    """
    if type(raw) is not dict:
        raise Invalid("bad_field")
    get = raw.get
    kind = get("t")
    code = EVENT_TYPES.get(kind) if type(kind) is str else None
    if code is None:
        raise Invalid("unknown_type")
    client_id = get("id")
    if not (type(client_id) is str and 0 < len(client_id) <= MAX_ID and "\x00" not in client_id):
        client_id = clean_text(client_id, MAX_ID)  # the usual id is clean already
    el = get("el")
    if el is not None:
        if type(el) is not str:
            raise Invalid("bad_field")
        el = clean_text(el, MAX_EL)
    src = pos = from_pos = to_pos = dur = x = y = depth = eng = name = props = None
    if kind in MEDIA_TYPES:
        if get("pos") is None:
            raise Invalid("bad_field")
        src, pos = _source(get("src")), _seconds(get("pos"))
        from_pos, to_pos, dur = _seconds(get("from")), _seconds(get("to")), _seconds(get("dur"))
    elif kind == "click" or kind == "hover":
        x, y = _number(get("x"), 0, 1), _integer(get("y"), 0, MAX_Y)
        # On or beside a medium: its timecode, optional (two lookups when absent).
        src, pos = _source(get("src")), _seconds(get("pos"))
    elif kind == "pageleave":
        depth = _integer(get("depth"), 0, 100)
        eng = _integer(get("eng"), 0, MAX_ENGAGEMENT_MS)
    elif kind == "custom":
        name = clean_text(get("n"), MAX_NAME)
        if name is None:
            raise Invalid("bad_field")
        props = _props(get("props"))
    elif kind == "error":
        # A script error has "msg"/"line"; a media error has "src"/"code"/"pos".
        src, pos, dur = _source(get("src")), _seconds(get("pos")), _seconds(get("dur"))
        name = clean_text(get("msg"), MAX_MESSAGE)
        detail = {k: raw[k] for k in ("line", "code") if type(raw.get(k)) is int}
        props = _props(detail) if detail else None
    elif kind == "eleOn" or kind == "eleOff":
        src, pos = _source(get("src")), _seconds(get("pos"))  # as for click and hover
    # (pageview: the element is all there is.)
    return _event(
        (
            code,
            client_id,
            el,
            src,
            pos,
            from_pos,
            to_pos,
            dur,
            x,
            y,
            depth,
            eng,
            name,
            props,
            _number(get("ts"), 0, 2**53),
        )
    )


# Made from the tuple of its values in field order, without the keyword
# handling of Event(...), which cost as much as checking a small event.
_event = partial(tuple.__new__, Event)


def _seconds(value: Any) -> float | None:
    """A media position or duration in seconds; Invalid outside 0..MAX_SECONDS."""
    if value is None:
        return None
    # As _number: bool must not pass, and NaN fails the range test.
    if type(value) is float and 0 <= value <= MAX_SECONDS:
        return value
    if type(value) is int and 0 <= value <= MAX_SECONDS:
        return float(value)
    raise Invalid("bad_field")


def _source(value: Any) -> str | None:
    """An optional media or script source: None when absent, Invalid when not a string."""
    if value is None:
        return None
    if type(value) is not str:
        raise Invalid("bad_field")
    return _clean_source(value)


# Media sources repeat on every event of a player: each distinct one is
# cleaned once (memo.py), as a query in it costs a urlsplit.
@memoize_short(MEMO_SIZE)
def _clean_source(src: str) -> str | None:
    return strip_query(clean_text(src, MAX_SRC))


def valid_new_events(
    batch: Batch, site: SiteInfo, recent: RecentIds, dropped: dict[str, int]
) -> list[Event]:
    """The batch's events that pass validation and were not seen before, in
    client time order; each one left out is counted in `dropped` by reason."""
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
