"""client_address: the socket peer, or X-Forwarded-For only through trusted proxies."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address, ip_network

import pytest

from collector.ingest.enrich.client_address import MAX_HOPS, client_address, parse_address

TRUSTED = (ip_network("10.0.0.0/8"), ip_network("fd00::/8"))


@pytest.mark.parametrize(
    ("peer", "xff", "trusted", "expected"),
    [
        # No trusted proxies configured: the header is ignored.
        ("203.0.113.7", "198.51.100.1", (), "203.0.113.7"),
        # Untrusted peer: a spoofed header is ignored.
        ("203.0.113.7", "198.51.100.1", TRUSTED, "203.0.113.7"),
        # Trusted peer, one hop.
        ("10.0.0.2", "198.51.100.1", TRUSTED, "198.51.100.1"),
        # Spoofed left-most entry is not believed: the first untrusted from the right is.
        ("10.0.0.2", "1.1.1.1, 198.51.100.1, 10.0.0.9", TRUSTED, "198.51.100.1"),
        # Every hop trusted: the left-most is the best answer.
        ("10.0.0.2", "10.1.1.1, 10.0.0.9", TRUSTED, "10.1.1.1"),
        # No header behind a trusted proxy.
        ("10.0.0.2", None, TRUSTED, "10.0.0.2"),
        ("10.0.0.2", "", TRUSTED, "10.0.0.2"),
        # Garbage on the walk: the chain is broken, fall back to the peer.
        ("10.0.0.2", "198.51.100.1, unknown", TRUSTED, "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1, 10.0.0.9, _hidden", TRUSTED, "10.0.0.2"),
        # Garbage left of the client is never reached.
        ("10.0.0.2", "nonsense, 198.51.100.1", TRUSTED, "198.51.100.1"),
        # Empty list elements are formatting, not hops.
        ("10.0.0.2", "198.51.100.1, ,", TRUSTED, "198.51.100.1"),
        # Ports and brackets.
        ("10.0.0.2", "198.51.100.1:5555", TRUSTED, "198.51.100.1"),
        ("10.0.0.2", "[2001:db8::1]:443", TRUSTED, "2001:db8::1"),
        ("10.0.0.2", "[2001:db8::1]", TRUSTED, "2001:db8::1"),
        ("10.0.0.2", "2001:db8::1", TRUSTED, "2001:db8::1"),
        # IPv6 proxy chain.
        ("fd00::1", "2001:db8::5, fd00::2", TRUSTED, "2001:db8::5"),
        # IPv4-mapped peer is IPv4, and is trusted as such.
        ("::ffff:10.0.0.2", "198.51.100.1", TRUSTED, "198.51.100.1"),
        ("::ffff:203.0.113.7", None, (), "203.0.113.7"),
        ("10.0.0.2", "::ffff:198.51.100.1", TRUSTED, "198.51.100.1"),
    ],
)
def test_client_address(peer, xff, trusted, expected):
    assert client_address(peer, xff, trusted) == ip_address(expected)


def test_mapped_addresses_become_ipv4():
    addr = client_address("::ffff:1.2.3.4", None, ())
    assert isinstance(addr, IPv4Address)
    assert addr == IPv4Address("1.2.3.4")


@pytest.mark.parametrize("peer", [None, "", "garbage", "999.1.1.1", "[::1", "a" * 200])
def test_unusable_peer_gives_none(peer):
    assert client_address(peer, "198.51.100.1", TRUSTED) is None


def test_zone_id_is_dropped():
    addr = parse_address("fe80::1%eth0")
    assert addr == IPv6Address("fe80::1")
    assert addr.scope_id is None


def test_hop_walk_is_bounded():
    chain = ", ".join(["198.51.100.1"] + ["10.0.0.9"] * (MAX_HOPS + 10))
    # The walk stops before the real client rather than scanning an unbounded header.
    assert client_address("10.0.0.2", chain, TRUSTED) == ip_address("10.0.0.9")


def test_never_raises_on_hostile_input():
    for junk in ("\x00", "[]:", ":::::", "1.2.3.4:x:y", "[1.2.3.4]", ",,,,", "é"):
        client_address("10.0.0.2", junk, TRUSTED)
