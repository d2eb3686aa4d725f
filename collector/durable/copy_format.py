"""Rows for PostgreSQL's binary COPY: the one declaration of the `events`
columns ingest fills, and the encoder it drives.

Why hand-built binary rows: most columns of an event row are facts about the
request (site, visitor, browser, page, location...) that all of its events
share. Encoded once per request, that part is reused as is for each of its
up to 200 events, so the per-event cost is only the event's own few fields.
And the binary format spares PostgreSQL all text parsing (timestamps,
numbers, addresses), which matters as much: it shares the machine's cores.
(benchmarks/RESULTS.md has the measurements of text vs binary.)

Adding a column is one line in EVENT_COLUMNS or REQUEST_COLUMNS below (and
validation or enrichment producing its value, as the field of that name in
the same place: ingest checks the names at import). A test compares the
declaration with the live table, names and types.

Format: a header, then per row an int16 field count and per field an int32
length (-1: NULL) and the value in PostgreSQL's binary send format; an int16
-1 ends the data. Every value here is of the column's exact type.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache, partial
from ipaddress import IPv4Address, IPv6Address, ip_address
from struct import Struct
from typing import Any, NamedTuple

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, no header extension
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"

_PG_EPOCH_US = 946_684_800_000_000  # 2000-01-01 in microseconds since 1970
_SMALLINT = Struct("!ih")
_INTEGER = Struct("!ii")
_BIGINT = Struct("!iq")
REAL = Struct("!if")
_FLOAT = Struct("!f")
LENGTH = Struct("!i")
_FIELD_COUNT = Struct("!h")
_SMALLINT_MAX = 32767
# Distinct values a memoized column keeps encoded (Column.memo).
MEMO_SIZE = 2048


# Each type's encoder: a value (never None: that is NULL) as its field, the
# length and the send format; C-level where nothing needs checking.
def _timestamptz(epoch_us: int) -> bytes:
    """UTC microseconds since 1970."""
    return _BIGINT.pack(8, epoch_us - _PG_EPOCH_US)


def _smallint(value: int) -> bytes:
    # Out of range means a nonsense value (a browser "version 100000"): stored as unknown.
    if not -_SMALLINT_MAX <= value <= _SMALLINT_MAX:
        return NULL
    return _SMALLINT.pack(2, value)


def _text(value: str) -> bytes:
    data = value.encode("utf-8", "replace")
    return LENGTH.pack(len(data)) + data


def _jsonb(json_text: str) -> bytes:
    data = b"\x01" + json_text.encode()  # jsonb binary format version 1
    return LENGTH.pack(len(data)) + data


def _inet(address: IPv4Address | IPv6Address) -> bytes:
    """A host address: family (2 = IPv4, 3 = IPv6), bits, is_cidr 0, length, bytes."""
    packed = address.packed
    family = 2 if len(packed) == 4 else 3
    head = bytes((family, len(packed) * 8, 0, len(packed)))
    return LENGTH.pack(4 + len(packed)) + head + packed


# And back (tests, the writer's replay): a field's bytes (not NULL) as its value.
def _signed(data: bytes) -> int:
    return int.from_bytes(data, "big", signed=True)


def _timestamptz_value(data: bytes) -> int:
    return _signed(data) + _PG_EPOCH_US


def _real_value(data: bytes) -> float:
    return _FLOAT.unpack(data)[0]


def _text_value(data: bytes) -> str:
    return data.decode()


def _jsonb_value(data: bytes) -> str:
    return data[1:].decode()


def _inet_value(data: bytes) -> IPv4Address | IPv6Address:
    return ip_address(data[4:])


class PgType(NamedTuple):
    """A PostgreSQL type as binary COPY sends it."""

    name: str  # as PostgreSQL's format_type() spells it
    encode: Callable[[Any], bytes]  # a value, not None, as its field
    decode: Callable[[bytes], Any]  # a field's data, not NULL, as its value

    def field(self, value: Any) -> bytes:
        """`value` as its field, NULL for None."""
        return NULL if value is None else self.encode(value)


TIMESTAMPTZ = PgType("timestamp with time zone", _timestamptz, _timestamptz_value)
SMALLINT = PgType("smallint", _smallint, _signed)
INTEGER = PgType("integer", partial(_INTEGER.pack, 4), _signed)
BIGINT = PgType("bigint", partial(_BIGINT.pack, 8), _signed)
REAL4 = PgType("real", partial(REAL.pack, 4), _real_value)
TEXT = PgType("text", _text, _text_value)
JSONB = PgType("jsonb", _jsonb, _jsonb_value)
INET = PgType("inet", _inet, _inet_value)

# Single fields, for rows put together by hand (tests).
smallint, integer, bigint, real = SMALLINT.field, INTEGER.field, BIGINT.field, REAL4.field
text, jsonb, inet = TEXT.field, JSONB.field, INET.field


class Column(NamedTuple):
    name: str
    type: PgType
    # Its values repeat and are short (ingest bounds them): each distinct one
    # is encoded once and kept (at most MEMO_SIZE per column).
    memo: bool = False


# The columns of every row, in COPY order.
# First the row's own place: computed per event by ingest (row()).
ROW_COLUMNS = (
    Column("ts", TIMESTAMPTZ),  # receive time, spaced as the batch's client times
    Column("seq", SMALLINT),  # place in the batch
)
# Then the event's own (ingest.validate.Event).
EVENT_COLUMNS = (
    Column("type", SMALLINT, memo=True),  # model.vocabulary.EVENT_TYPES
    Column("client_id", TEXT),
    Column("el", TEXT, memo=True),  # a page's elements repeat
    Column("src", TEXT, memo=True),  # and its players' sources
    Column("pos", REAL4),
    Column("from_pos", REAL4),
    Column("to_pos", REAL4),
    Column("dur", REAL4),
    Column("x", REAL4),
    Column("y", INTEGER),
    Column("depth", SMALLINT),
    Column("eng", INTEGER),
    Column("name", TEXT),
    Column("props", JSONB),
)
# Last the request's, shared by all its events and encoded once for them
# (ingest.enrich.request_columns.RequestColumns).
REQUEST_COLUMNS = (
    Column("site_id", INTEGER),
    Column("visitor", BIGINT),
    Column("screen_w", SMALLINT),
    Column("screen_h", SMALLINT),
    Column("browser_version", SMALLINT),
    Column("device", SMALLINT),
    Column("country", TEXT),  # from the client address: never kept in a memo
    Column("region", TEXT),
    Column("city", TEXT),
    Column("browser", TEXT, memo=True),  # from one header or URL each: repeat
    Column("os", TEXT, memo=True),
    Column("lang", TEXT, memo=True),
    Column("host", TEXT, memo=True),
    Column("path", TEXT),  # up to 1,000 characters: too long to keep
    Column("query", TEXT),
    Column("referrer", TEXT, memo=True),
    Column("origin", TEXT, memo=True),
    Column("player_version", TEXT),
    Column("uid", TEXT),
    Column("sid", TEXT),
    Column("ip", INET),
)
DECLARED = ROW_COLUMNS + EVENT_COLUMNS + REQUEST_COLUMNS
COLUMNS = tuple(column.name for column in DECLARED)

# Every row starts with its field count and ROW_COLUMNS, packed in one go.
_ROW_START = Struct("!hiqih")


def encode_request(values: Sequence[Any]) -> bytes:
    """A request's values (REQUEST_COLUMNS order) as its part of each row, encoded once."""
    return _encode_request(values)


def encode_rows(
    events: Iterable[Sequence[Any]], times_us: Iterable[int], request_fields: bytes
) -> bytes:
    """One row per event, concatenated: its time (UTC microseconds since 1970),
    its place in the batch (seq), its values (EVENT_COLUMNS order; a value
    beyond them, such as ingest's client time, is not encoded), then
    `request_fields` (encode_request)."""
    return _encode_rows(events, times_us, request_fields)


# The encoders are written out as Python source for their columns and
# compiled: one expression per column (NULL, or its type's field), where a
# loop over the columns would cost half as much again, on the path every
# event takes. (namedtuple and dataclasses write their code the same way.)
# Each keeps its source as `source`.
_ENCODE_REQUEST = """def encode_request(values):
    return b"".join(({fields}
    ))
"""
_ENCODE_ROWS = """def encode_rows(events, times_us, request_fields):
    out = []
    for seq, (values, at) in enumerate(zip(events, times_us, strict=True)):
        out += (
            start(count, 8, at - epoch, 2, seq),{fields}
            request_fields,
        )
    return b"".join(out)
"""


def _write_encoder(name: str, template: str, columns: Sequence[Column]) -> Callable[..., bytes]:
    fields = "".join(
        f"\n            NULL if (v := values[{i}]) is None else encode_{c.name}(v),"
        for i, c in enumerate(columns)
    )
    source = template.format(fields=fields)
    namespace: dict[str, Any] = {
        "NULL": NULL,
        "start": _ROW_START.pack,
        "count": len(COLUMNS),
        "epoch": _PG_EPOCH_US,
    }
    for c in columns:
        encode = c.type.encode
        namespace[f"encode_{c.name}"] = lru_cache(maxsize=MEMO_SIZE)(encode) if c.memo else encode
    exec(compile(source, f"<{__name__} encoder>", "exec"), namespace)
    function = namespace[name]
    function.source = source
    return function


_encode_request = _write_encoder("encode_request", _ENCODE_REQUEST, REQUEST_COLUMNS)
_encode_rows = _write_encoder("encode_rows", _ENCODE_ROWS, EVENT_COLUMNS)


def values_of(columns: Sequence[Column], **named: Any) -> tuple[Any, ...]:
    """A tuple of values in the order of `columns`, None for those not named."""
    unknown = set(named) - {c.name for c in columns}
    if unknown:
        raise ValueError(f"no such columns: {sorted(unknown)}")
    return tuple(named.get(c.name) for c in columns)


def row(epoch_us: int, seq: int, event_fields: bytes, request_fields: bytes) -> bytes:
    """One row from fields already encoded (EVENT_COLUMNS', then REQUEST_COLUMNS')."""
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


def row_values(encoded_row: bytes) -> dict[str, Any]:
    """One row decoded, by column name (None for NULL)."""
    return {
        column.name: None if field is None else column.type.decode(field)
        for column, field in zip(DECLARED, row_fields(encoded_row), strict=True)
    }


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
