"""truncate_ip / describe_client: only the configured prefix leaves memory."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from collector.ingest.enrich.ip_truncation import describe_client, truncate_ip


@pytest.mark.parametrize(
    ("addr", "v4", "v6", "stored", "logged"),
    [
        ("203.0.113.77", 24, 48, "203.0.113.0", "203.0.113.0/24"),
        ("203.0.113.77", 16, 48, "203.0.0.0", "203.0.0.0/16"),
        ("203.0.113.77", 32, 48, "203.0.113.77", "203.0.113.77/32"),
        ("203.0.113.77", 0, 48, None, "-"),
        ("2001:db8:abcd:12:34::1", 24, 48, "2001:db8:abcd::", "2001:db8:abcd::/48"),
        ("2001:db8:abcd:12:34::1", 24, 64, "2001:db8:abcd:12::", "2001:db8:abcd:12::/64"),
        ("2001:db8:abcd:12:34::1", 24, 0, None, "-"),
        ("255.255.255.255", 1, 48, "128.0.0.0", "128.0.0.0/1"),
    ],
)
def test_truncation(addr, v4, v6, stored, logged):
    parsed = ip_address(addr)
    assert truncate_ip(parsed, v4, v6) == stored
    assert describe_client(parsed, v4, v6) == logged


def test_no_address():
    assert truncate_ip(None, 24, 48) is None
    assert describe_client(None, 24, 48) == "-"


def test_bad_prefix_message_hides_address():
    with pytest.raises(ValueError) as info:
        truncate_ip(ip_address("203.0.113.77"), 33, 48)
    assert "203.0.113" not in str(info.value)
    with pytest.raises(ValueError):
        describe_client(ip_address("2001:db8::1"), 24, 129)
