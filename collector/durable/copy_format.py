"""Rows for PostgreSQL's binary COPY, built as bytes in the handler.

Why hand-built binary rows: most columns of an event row are facts about the
request (site, visitor, browser, page, location...) that all of its events
share. Encoded once per request, that part is reused as is for each of its
up to 200 events, so the per-event cost is only the event's own few fields.
And the binary format spares PostgreSQL all text parsing (timestamps,
numbers, addresses), which matters as much: it shares the machine's cores.
(benchmarks/RESULTS.md has the measurements of text vs binary.)

Format: a header, then per row an int16 field count and per field an int32
length (-1: NULL) and the value in PostgreSQL's binary send format; an int16
-1 ends the data. Every value here is of the column's exact type.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from struct import Struct

# Order of the fields in every row: first the event's own, then the request's.
EVENT_COLUMNS = (
    "ts",
    "seq",
    "type",
    "client_id",
    "el",
    "src",
    "pos",
    "from_pos",
    "to_pos",
    "dur",
    "x",
    "y",
    "depth",
    "eng",
    "name",
    "props",
)
REQUEST_COLUMNS = (
    "site_id",
    "visitor",
    "screen_w",
    "screen_h",
    "browser_version",
    "device",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "lang",
    "host",
    "path",
    "query",
    "referrer",
    "origin",
    "player_version",
    "uid",
    "sid",
    "ip",
)
COLUMNS = EVENT_COLUMNS + REQUEST_COLUMNS

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"

_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970
# Field count, then ts (timestamptz, 8 bytes) and seq (smallint, 2 bytes).
_ROW_START = Struct("!hiqih")
_SMALLINT = Struct("!ih")
_INTEGER = Struct("!ii")
_BIGINT = Struct("!iq")
REAL = Struct("!if")
LENGTH = Struct("!i")
_FIELD_COUNT = Struct("!h")
_SMALLINT_MAX = 32767


def text(value: str | None) -> bytes:
    if value is None:
        return NULL
    data = value.encode("utf-8", "replace")
    return LENGTH.pack(len(data)) + data


def smallint(value: int | None) -> bytes:
    # Out of range means a nonsense value (a browser "version 100000"): stored as unknown.
    if value is None or not -_SMALLINT_MAX <= value <= _SMALLINT_MAX:
        return NULL
    return _SMALLINT.pack(2, value)


def integer(value: int | None) -> bytes:
    return NULL if value is None else _INTEGER.pack(4, value)


def bigint(value: int | None) -> bytes:
    return NULL if value is None else _BIGINT.pack(8, value)


def real(value: float | None) -> bytes:
    return NULL if value is None else REAL.pack(4, value)


def jsonb(json_text: str | None) -> bytes:
    if json_text is None:
        return NULL
    data = b"\x01" + json_text.encode()  # jsonb binary format version 1
    return LENGTH.pack(len(data)) + data


def inet(address: IPv4Address | IPv6Address | None) -> bytes:
    """A host address: family (2 = IPv4, 3 = IPv6), bits, is_cidr 0, length, bytes."""
    if address is None:
        return NULL
    packed = address.packed
    family = 2 if len(packed) == 4 else 3
    head = bytes((family, len(packed) * 8, 0, len(packed)))
    return LENGTH.pack(4 + len(packed)) + head + packed


def row(epoch_us: int, seq: int, event_fields: bytes, request_fields: bytes) -> bytes:
    """One row: its time (UTC microseconds since 1970), order in the batch, and fields."""
    return (
        _ROW_START.pack(len(COLUMNS), 8, epoch_us - _PG_EPOCH_US, 2, seq)
        + event_fields
        + request_fields
    )


def row_epoch_us(encoded_row: bytes) -> int:
    """The time of an encoded row, for creating its day's partition."""
    return _ROW_START.unpack_from(encoded_row)[2] + _PG_EPOCH_US


def copy_data(rows: list[bytes]) -> bytes:
    return b"".join((HEADER, *rows, TRAILER))


def split_rows(rows: bytes) -> list[bytes]:
    """Concatenated rows back into single rows (to isolate a refused one)."""
    out, pos, end = [], 0, len(rows)
    while pos < end:
        start = pos
        fields = _FIELD_COUNT.unpack_from(rows, pos)[0]
        pos += 2
        for _ in range(fields):
            length = LENGTH.unpack_from(rows, pos)[0]
            pos += 4 + max(length, 0)
        out.append(rows[start:pos])
    return out


def row_fields(encoded_row: bytes) -> list[bytes | None]:
    """The raw values of one row, in COLUMNS order (None for NULL)."""
    values: list[bytes | None] = []
    pos = 2
    for _ in range(_FIELD_COUNT.unpack_from(encoded_row)[0]):
        length = LENGTH.unpack_from(encoded_row, pos)[0]
        pos += 4
        values.append(None if length < 0 else encoded_row[pos : pos + length])
        pos += max(length, 0)
    return values


_CLIENT_ID = COLUMNS.index("client_id")
_SITE_ID = COLUMNS.index("site_id")


def row_site_and_client_id(encoded_row: bytes) -> tuple[int, str | None]:
    """(site id, client event id) of a row, to remember ids of replayed events."""
    values = row_fields(encoded_row)
    client_id = values[_CLIENT_ID]
    return (
        int.from_bytes(values[_SITE_ID] or b"", "big", signed=True),
        None if client_id is None else client_id.decode(),
    )
