"""visitor_hash: deterministic, keyed, input-sensitive and within PostgreSQL bigint."""

from __future__ import annotations

from ipaddress import ip_address

from collector.ingest.enrich.visitor_hash import visitor_hash

SALT = b"s" * 32
V4 = ip_address("203.0.113.7").packed
V6 = ip_address("2001:db8::7").packed
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def test_deterministic():
    assert visitor_hash(SALT, 1, V4, UA) == visitor_hash(SALT, 1, V4, UA)


def test_every_input_matters():
    base = visitor_hash(SALT, 1, V4, UA)
    variants = {
        visitor_hash(b"t" * 32, 1, V4, UA),
        visitor_hash(SALT, 2, V4, UA),
        visitor_hash(SALT, 1, ip_address("203.0.113.8").packed, UA),
        visitor_hash(SALT, 1, V6, UA),
        visitor_hash(SALT, 1, V4, UA + " "),
        visitor_hash(SALT, 1, V4, ""),
    }
    assert base not in variants
    assert len(variants) == 6


def test_field_boundaries_are_unambiguous():
    # Bytes moved from the address into the UA must not give the same input.
    a = visitor_hash(SALT, 1, b"\x01\x02\x03\x04", "x")
    b = visitor_hash(SALT, 1, b"\x01\x02\x03", "\x04x")
    assert a != b


def test_range_is_signed_int64():
    values = [visitor_hash(SALT, site, V4, UA) for site in range(2000)]
    assert all(INT64_MIN <= v <= INT64_MAX for v in values)
    # Both signs occur, so the full bigint range is used.
    assert min(values) < 0 < max(values)


def test_odd_user_agents_hash():
    # A lone surrogate (undecodable header bytes) must hash, not raise.
    assert isinstance(visitor_hash(SALT, 1, V4, "bad \udcff byte"), int)
    assert isinstance(visitor_hash(SALT, 1, V4, "ünïcödé"), int)
