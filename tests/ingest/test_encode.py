"""The encode step: the one column declaration (copy_format.DECLARED) and the
encoder it drives. A row decodes back to the values it was built from, for
every column; the declaration matches the live `events` table, names and
types; and PostgreSQL takes the rows as they are."""

from __future__ import annotations

import json
import time
from ipaddress import ip_address

import pytest

from collector.durable.copy_format import (
    COLUMNS,
    DECLARED,
    EVENT_COLUMNS,
    NULL,
    REQUEST_COLUMNS,
    ROW_COLUMNS,
    SMALLINT,
    TIMESTAMPTZ,
    _encode_request,
    _encode_rows,
    copy_data,
    encode_request,
    encode_rows,
    row,
    row_fields,
    row_site_and_client_id,
    row_values,
    smallint,
    split_rows,
    values_of,
)
from collector.ingest.enrich.request_columns import RequestColumns
from collector.ingest.validate import Event

NOW_US = 1_763_800_000_123_456
# A value for every column, none of them NULL.
EVENT = Event(
    type=21,
    client_id="e-1",
    el="video#main",
    src="intro.mp4",
    pos=30.5,
    from_pos=0.25,
    to_pos=12.0,
    dur=120.5,
    x=0.5,
    y=812,
    depth=80,
    eng=12_000,
    name="signup ✓",
    props='{"plan":"pro"}',
    client_ts=1_763_800_000_000.0,  # not a column
)
REQUEST = RequestColumns(
    site_id=7,
    visitor=-(2**62),
    screen_w=1920,
    screen_h=1080,
    browser_version=131,
    device=1,
    country="NL",
    region="NL-NH",
    city="Amsterdam",
    browser="Chrome",
    os="Windows",
    lang="nl",
    host="www.example.nl",
    path="/tour",
    query="id=7",
    referrer="google.com/search",
    origin="www.example.nl",
    player_version="2.3.1",
    uid="u-1",
    sid="s-1",
    ip=ip_address("203.0.113.0"),
)


def test_the_declaration_names_each_column_once_in_copy_order():
    assert tuple(c.name for c in DECLARED) == COLUMNS
    assert len(set(COLUMNS)) == len(COLUMNS)
    assert DECLARED == ROW_COLUMNS + EVENT_COLUMNS + REQUEST_COLUMNS


def test_ingests_typed_values_have_the_declared_columns_in_order():
    assert Event._fields[: len(EVENT_COLUMNS)] == tuple(c.name for c in EVENT_COLUMNS)
    assert RequestColumns._fields == tuple(c.name for c in REQUEST_COLUMNS)


def test_a_row_decodes_to_the_values_it_was_built_from_in_every_column():
    encoded = encode_rows([EVENT], [NOW_US], encode_request(REQUEST))
    assert split_rows(encoded) == [encoded]
    decoded = row_values(encoded)
    assert list(decoded) == list(COLUMNS)
    expected = {"ts": NOW_US, "seq": 0, **EVENT._asdict(), **REQUEST._asdict()}
    del expected["client_ts"]
    assert decoded == expected
    assert None not in decoded.values()  # every column was covered
    assert row_site_and_client_id(encoded) == (7, "e-1")


def test_none_is_null_in_every_column():
    empty_event = values_of(EVENT_COLUMNS)
    encoded = encode_rows([empty_event], [NOW_US], encode_request(values_of(REQUEST_COLUMNS)))
    fields = row_fields(encoded)
    assert fields[2:] == [None] * (len(COLUMNS) - 2)


def test_rows_are_numbered_in_their_batch_and_share_the_request_part():
    shared = encode_request(REQUEST)
    events = [EVENT, EVENT._replace(client_id="e-2", el=None, pos=None)]
    rows = split_rows(encode_rows(events, [NOW_US - 5, NOW_US], shared))
    assert [(row_values(r)["seq"], row_values(r)["ts"]) for r in rows] == [
        (0, NOW_US - 5),
        (1, NOW_US),
    ]
    assert all(r.endswith(shared) for r in rows)
    assert row_values(rows[1])["el"] is None


def test_the_row_start_is_the_field_count_then_ts_and_seq_as_declared():
    encoded = encode_rows([EVENT], [NOW_US], encode_request(REQUEST))
    start = len(COLUMNS).to_bytes(2, "big") + TIMESTAMPTZ.field(NOW_US) + SMALLINT.field(0)
    assert encoded.startswith(start)


def test_rows_put_together_by_hand_are_the_encoders_rows():
    event_fields = b"".join(c.type.field(v) for c, v in zip(EVENT_COLUMNS, EVENT, strict=False))
    request_fields = b"".join(
        c.type.field(v) for c, v in zip(REQUEST_COLUMNS, REQUEST, strict=True)
    )
    assert row(NOW_US, 0, event_fields, request_fields) == encode_rows(
        [EVENT], [NOW_US], encode_request(REQUEST)
    )


def test_memoized_columns_encode_what_their_type_does():
    memoized = [c for c in EVENT_COLUMNS if c.memo]
    assert {c.name for c in memoized} == {"type", "el", "src"}
    for _ in range(2):  # the second time from the memo
        encoded = row_values(encode_rows([EVENT], [NOW_US], encode_request(REQUEST)))
        assert all(encoded[c.name] == getattr(EVENT, c.name) for c in memoized)


def test_nothing_derived_from_the_client_address_is_kept_in_a_memo():
    from_address = {"visitor", "country", "region", "city", "ip"}
    assert not [c.name for c in DECLARED if c.memo and c.name in from_address]


def test_the_encoders_are_written_out_column_by_column():
    for encoder, columns in ((_encode_rows, EVENT_COLUMNS), (_encode_request, REQUEST_COLUMNS)):
        lines = [line.strip() for line in encoder.source.splitlines() if "(v := values[" in line]
        assert lines == [
            f"NULL if (v := values[{i}]) is None else encode_{c.name}(v),"
            for i, c in enumerate(columns)
        ]


@pytest.mark.parametrize("value", [-40000, 32768, 100_000])
def test_a_smallint_out_of_range_is_unknown(value):
    assert smallint(value) == NULL


async def test_the_declaration_matches_the_live_table(db):
    table = {
        r["attname"]: (r["type"], r["atthasdef"])
        for r in await db.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) AS type, atthasdef"
            " FROM pg_attribute WHERE attrelid = 'events'::regclass"
            " AND attnum > 0 AND NOT attisdropped"
        )
    }
    assert {c.name: c.type.name for c in DECLARED} == {c: table[c][0] for c in COLUMNS}
    # What ingest leaves out, PostgreSQL fills in itself.
    assert all(has_default for name, (_, has_default) in table.items() if name not in COLUMNS)


async def test_postgresql_takes_the_rows_and_stores_the_values(db):
    now_us = time.time_ns() // 1000
    encoded = encode_rows([EVENT], [now_us], encode_request(REQUEST))
    await db.copy_to_table(
        "events", source=memoryview(copy_data([encoded])), columns=COLUMNS, format="binary"
    )
    stored = await db.fetchrow(
        f"SELECT {', '.join(COLUMNS)} FROM events WHERE client_id = $1", EVENT.client_id
    )
    assert int(stored["ts"].timestamp() * 1_000_000) == now_us
    assert json.loads(stored["props"]) == json.loads(EVENT.props)  # jsonb: normalised
    same = {"ts": now_us, "props": EVENT.props}
    assert dict(stored) | same == row_values(encoded) | same
