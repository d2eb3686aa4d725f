"""Validate: body -> header fields + the valid events, each bad event dropped with a reason.

A malformed event never fails the request: it is left out and counted, and
its neighbours are kept. Only a body that is not JSON, or not the documented
shape, is refused as a whole (400).

Strings are cut to documented limits and NUL characters removed (PostgreSQL
text cannot hold them), so every event that passes here is storable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from collector.durable.copy_format import LENGTH, NULL, REAL, integer, jsonb, smallint, text
from collector.ingest.enrich.memo import MEMO_SIZE, memoize_short
from collector.model.vocabulary import EVENT_TYPES, MEDIA_TYPES

MAX_BODY_BYTES = 64 * 1024
MAX_EVENTS = 200

# Documented limits of stored strings (README, "Wire format limits").
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


class BadBody(Exception):
    """The request as a whole is refused; `status` is 400 or 413."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(slots=True)
class Batch:
    site: str
    url: str
    ref: str | None
    screen_w: int | None
    screen_h: int | None
    player_version: str | None
    uid: str | None
    sid: str | None
    events: list[Any]


@dataclass(slots=True)
class Event:
    """One valid event: its client time and id, and its own columns encoded for COPY
    (copy_format.EVENT_COLUMNS from `type` to `props`, binary)."""

    client_ts: float | None
    client_id: str | None
    fields: bytes


class Invalid(Exception):
    """One event is dropped; args[0] is the reason from codes.DROP_REASONS."""


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

    The event's own columns are checked and encoded for COPY in one go (one
    branch per kind of event, NULL written for what that kind never has):
    this runs for every event, so it avoids needless per-column work.
    """
    if type(raw) is not dict:
        raise Invalid("bad_field")
    get = raw.get
    kind = get("t")
    type_field = _TYPE_FIELDS.get(kind) if type(kind) is str else None
    if type_field is None:
        raise Invalid("unknown_type")
    client_id = get("id")
    if type(client_id) is str and 0 < len(client_id) <= MAX_ID and "\x00" not in client_id:
        # The usual id, already clean: encoded here without clean_text's steps.
        id_bytes = client_id.encode("utf-8", "replace")
        head = type_field + LENGTH.pack(len(id_bytes)) + id_bytes
    else:
        client_id = clean_text(client_id, MAX_ID)
        head = type_field + text(client_id)
    head += _text_field(get("el"), _element_field)
    # Columns after el: src pos from_pos to_pos dur x y depth eng name props
    if kind in MEDIA_TYPES:
        if get("pos") is None:
            raise Invalid("bad_field")
        fields = (
            head
            + _text_field(get("src"), _source_field)
            + _real_field(get("pos"), MAX_SECONDS)
            + _real_field(get("from"), MAX_SECONDS)
            + _real_field(get("to"), MAX_SECONDS)
            + _real_field(get("dur"), MAX_SECONDS)
            + NULL * 6
        )
    elif kind == "pageview":
        fields = head + _NO_DETAIL
    elif kind in ("click", "hover"):
        fields = (
            head
            + NULL * 5
            + _real_field(get("x"), 1)
            + integer(_integer(get("y"), 0, MAX_Y))
            + NULL * 4
        )
    elif kind == "pageleave":
        fields = (
            head
            + NULL * 7
            + smallint(_integer(get("depth"), 0, 100))
            + integer(_integer(get("eng"), 0, MAX_ENGAGEMENT_MS))
            + NULL * 2
        )
    elif kind == "custom":
        name = clean_text(get("n"), MAX_NAME)
        if name is None:
            raise Invalid("bad_field")
        fields = head + NULL * 9 + text(name) + jsonb(_props(get("props")))
    elif kind == "error":
        # A script error has "msg"/"line"; a media error has "src"/"code"/"pos".
        detail = {k: raw[k] for k in ("line", "code") if type(raw.get(k)) is int}
        fields = (
            head
            + _text_field(get("src"), _source_field)
            + _real_field(get("pos"), MAX_SECONDS)
            + NULL * 2
            + _real_field(get("dur"), MAX_SECONDS)
            + NULL * 4
            + text(clean_text(get("msg"), MAX_MESSAGE))
            + jsonb(_props(detail) if detail else None)
        )
    else:  # eleOn, eleOff: the element is all there is
        fields = head + _NO_DETAIL
    return Event(_number(get("ts"), 0, 2**53), client_id, fields)


def _real_field(value: Any, high: float) -> bytes:
    """A number in 0..high as a `real` column (NULL when absent); Invalid otherwise."""
    if value is None:
        return NULL
    # As _number: bool must not pass, and NaN fails the range test.
    if (type(value) is float or type(value) is int) and 0 <= value <= high:
        return REAL.pack(4, value)
    raise Invalid("bad_field")


def _text_field(value: Any, encode_str) -> bytes:
    """An optional string column: NULL when absent, Invalid when not a string."""
    if value is None:
        return NULL
    if type(value) is not str:
        raise Invalid("bad_field")
    return encode_str(value)


# Element descriptors and media sources repeat on every event of a page or
# player: each distinct one is cleaned and encoded once (memo.py).
@memoize_short(MEMO_SIZE)
def _element_field(el: str) -> bytes:
    return text(clean_text(el, MAX_EL))


@memoize_short(MEMO_SIZE)
def _source_field(src: str) -> bytes:
    return text(strip_query(clean_text(src, MAX_SRC)))


# The eleven columns after `el`, all NULL.
_NO_DETAIL = NULL * 11
# The `type` column of each event type, encoded once.
_TYPE_FIELDS = {kind: smallint(code) for kind, code in EVENT_TYPES.items()}
