"""Which address the request really came from: the socket peer, or X-Forwarded-For
when (and only as far as) the peer is a trusted proxy.

Nothing here raises: the full address must never end up in an exception message or a
log line, so unparsable input simply yields the fallback instead of an error.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from socket import AF_INET, inet_pton

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

# Bounds the work an attacker can cause with a huge header; no real proxy chain is
# anywhere near this long.
MAX_HOPS = 32


def parse_address(text: str | None) -> Address | None:
    """`text` as an address, accepting `1.2.3.4:80`, `[::1]:80`, `[::1]` and
    IPv4-mapped IPv6 (returned as IPv4); None for anything else."""
    if not text:
        return None
    try:
        # The usual case, a socket peer "a.b.c.d": the C parser, and an address
        # built from its 4 bytes, cost a fifth of ip_address(text).
        return IPv4Address(inet_pton(AF_INET, text))
    except (OSError, ValueError):  # not plain IPv4, or a NUL in it
        pass
    text = text.strip()
    if not text or len(text) > 64:
        return None
    if text[0] == "[":
        end = text.find("]")
        if end < 0:
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        # Exactly one colon can only be IPv4 with a port; IPv6 has at least two.
        text = text.partition(":")[0]
    try:
        addr = ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, IPv6Address):
        if addr.ipv4_mapped is not None:
            # Dual-stack sockets report IPv4 clients as ::ffff:a.b.c.d; treat them as
            # IPv4 so truncation, GeoIP and hashing see one address, not two.
            return addr.ipv4_mapped
        if addr.scope_id:
            # A zone id is local to this host and would make equal addresses differ.
            addr = IPv6Address(addr.packed)
    return addr


def _is_trusted(addr: Address, trusted: tuple[Network, ...]) -> bool:
    # `in` is False across IP versions, so mixed lists need no special casing.
    return any(addr in net for net in trusted)


def client_address(
    peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]
) -> Address | None:
    """The client's address.

    `peer` is the socket's remote address; `forwarded_for` is the X-Forwarded-For
    value (several headers joined with ","). The header is only believed when the peer
    is one of the `trusted` proxies; it is then walked from right to left, skipping
    trusted proxies, and the first untrusted address is the client. A malformed entry
    on that walk means the chain cannot be trusted, so the peer is returned. When every
    hop is a trusted proxy the leftmost one is the best answer there is.
    """
    peer_addr = parse_address(peer)
    if peer_addr is None or not trusted or not forwarded_for:
        return peer_addr
    if not _is_trusted(peer_addr, trusted):
        return peer_addr
    client = peer_addr
    hops = 0
    for entry in reversed(forwarded_for.split(",")):
        if not entry.strip():
            continue
        hops += 1
        if hops > MAX_HOPS:
            break
        addr = parse_address(entry)
        if addr is None:
            return peer_addr
        client = addr
        if not _is_trusted(addr, trusted):
            return addr
    return client
