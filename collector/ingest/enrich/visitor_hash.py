"""The cookieless visitor id: a keyed hash of (daily salt, site, full IP, User-Agent).

The salt is replaced every UTC day and the old one destroyed, so the same visitor gets
an unrelated id the next day and no id can be reversed to an address.
"""

from __future__ import annotations

import struct
from hashlib import blake2b

# Site id and address length are fixed-width and the UA comes last, so no two
# different inputs can produce the same byte string.
_HEADER = struct.Struct(">qB")


def visitor_hash(salt: bytes, site_id: int, addr_packed: bytes, user_agent: str) -> int:
    """Signed 64-bit visitor id (fits a PostgreSQL bigint).

    `salt` is the day's secret (at most 64 bytes, BLAKE2b's key limit); `addr_packed`
    is the full address as `ipaddress` `.packed` bytes.
    """
    message = b"".join(
        (
            _HEADER.pack(site_id, len(addr_packed)),
            addr_packed,
            # surrogatepass: header bytes that are not valid UTF-8 must still hash,
            # not raise.
            user_agent.encode("utf-8", "surrogatepass"),
        )
    )
    digest = blake2b(message, digest_size=8, key=salt).digest()
    return int.from_bytes(digest, "big", signed=True)
