"""Reduce a client address to the network prefix Peil is allowed to keep.

The truncated text is what goes to the database (`inet` column) and to log lines;
the full address stays in memory only (privacy rule 1).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

Address = IPv4Address | IPv6Address


def _prefix_for(addr: Address, ipv4_prefix: int, ipv6_prefix: int) -> int:
    if addr.version == 4:
        prefix, bits = ipv4_prefix, 32
    else:
        prefix, bits = ipv6_prefix, 128
    if not 0 <= prefix <= bits:
        # The message names only the setting's value, never the address.
        raise ValueError(f"an IPv{addr.version} prefix must be 0..{bits}, not {prefix}")
    return prefix


def _network_address(addr: Address, prefix: int) -> Address:
    bits = addr.max_prefixlen
    # Integer masking: much cheaper than building an ip_network per request.
    mask = ((1 << prefix) - 1) << (bits - prefix)
    return type(addr)(int(addr) & mask)


def truncated_address(addr: Address | None, ipv4_prefix: int, ipv6_prefix: int) -> Address | None:
    """The network address of `addr`'s prefix (203.0.113.0 for 203.0.113.77 at /24),
    or None when the prefix is 0 (store no address)."""
    if addr is None:
        return None
    prefix = _prefix_for(addr, ipv4_prefix, ipv6_prefix)
    if prefix == 0:
        return None
    return _network_address(addr, prefix)


def truncate_ip(addr: Address | None, ipv4_prefix: int, ipv6_prefix: int) -> str | None:
    """truncated_address() as text ("203.0.113.0" for /24), or None."""
    network = truncated_address(addr, ipv4_prefix, ipv6_prefix)
    return None if network is None else str(network)


def describe_client(addr: Address | None, ipv4_prefix: int, ipv6_prefix: int) -> str:
    """The client for a log line: "203.0.113.0/24", or "-" when nothing may be kept."""
    if addr is None:
        return "-"
    prefix = _prefix_for(addr, ipv4_prefix, ipv6_prefix)
    if prefix == 0:
        return "-"
    return f"{_network_address(addr, prefix)}/{prefix}"
