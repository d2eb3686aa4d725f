"""Validate: body -> header fields + the valid events, each bad event dropped with a reason.

A malformed event never fails the request: it is left out and counted, and
its neighbours are kept. Only a body that is not JSON, or not the documented
shape, is refused as a whole (400).

Strings are cut to documented limits and NUL characters removed (PostgreSQL
text cannot hold them), so every event that passes here is storable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from collector.ingest.codes import EVENT_TYPES, MEDIA_TYPES

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
    """One valid event, with the fields PostgreSQL will receive."""

    client_ts: float | None
    type: int
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
    name: str | None = None
    props: str | None = None  # JSON text for the jsonb column


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
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("bad_field")
    if not (low <= value <= high) or math.isnan(value):
        raise Invalid("bad_field")
    return float(value)


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
    url = data.get("url")
    if not isinstance(url, str) or not url:
        raise BadBody(400, "'url' must be the page URL string")
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise BadBody(400, "'events' must be a non-empty list")
    if len(events) > MAX_EVENTS:
        raise BadBody(413, f"more than {MAX_EVENTS} events in one body")
    return Batch(
        site=site,
        url=url[:MAX_URL],
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
    parts = urlsplit(src)
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
    """One wire event as an Event; raises Invalid(reason) when it must be dropped."""
    if not isinstance(raw, dict):
        raise Invalid("bad_field")
    kind = raw.get("t")
    code = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if code is None:
        raise Invalid("unknown_type")
    event = Event(
        client_ts=_number(raw.get("ts"), 0, 2**53),
        type=code,
        client_id=clean_text(raw.get("id"), MAX_ID),
        el=clean_text(raw.get("el"), MAX_EL),
    )
    if kind in MEDIA_TYPES:
        event.src = strip_query(clean_text(raw.get("src"), MAX_SRC))
        event.pos = _number(raw.get("pos"), 0, MAX_SECONDS)
        if event.pos is None:
            raise Invalid("bad_field")
        event.from_pos = _number(raw.get("from"), 0, MAX_SECONDS)
        event.to_pos = _number(raw.get("to"), 0, MAX_SECONDS)
        event.dur = _number(raw.get("dur"), 0, MAX_SECONDS)
    elif kind in ("click", "hover"):
        event.x = _number(raw.get("x"), 0, 1)
        event.y = _integer(raw.get("y"), 0, MAX_Y)
    elif kind == "pageleave":
        event.depth = _integer(raw.get("depth"), 0, 100)
        event.eng = _integer(raw.get("eng"), 0, MAX_ENGAGEMENT_MS)
    elif kind == "custom":
        event.name = clean_text(raw.get("n"), MAX_NAME)
        if event.name is None:
            raise Invalid("bad_field")
        event.props = _props(raw.get("props"))
    elif kind == "error":
        # A script error has "msg"/"line"; a media error has "src"/"code"/"pos".
        event.name = clean_text(raw.get("msg"), MAX_MESSAGE)
        event.src = strip_query(clean_text(raw.get("src"), MAX_SRC))
        event.pos = _number(raw.get("pos"), 0, MAX_SECONDS)
        event.dur = _number(raw.get("dur"), 0, MAX_SECONDS)
        detail = {k: raw[k] for k in ("line", "code") if isinstance(raw.get(k), int)}
        event.props = _props(detail) if detail else None
    return event
