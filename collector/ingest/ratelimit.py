"""Per-client rate limit of ingest (GCRA, the token bucket without a timer),
in a fixed-size table: memory does not grow with the number of clients.

Who is one client. An IPv4 address is one client; an IPv6 client is its /64,
because one host (one home, one phone, one cloud machine) gets a whole /64 and
can pick a fresh address from it for every request: keyed by the full address,
400 addresses of one /64 each got their own allowance (issue 14). An
IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 client `a.b.c.d`.

What is kept. Per client only its theoretical arrival time (TAT): the moment
its bucket will be full again. Each request it makes moves the TAT one
interval (1 / PEIL_RATE_LIMIT s) further; a request that would put the TAT
more than the tolerance (the burst) ahead of now is refused. A client whose
TAT has passed has a full bucket: it has no state worth keeping, so the
table only has to remember clients with a TAT in the future ("live"), and
there are few of them: every accepted request adds one interval of future
to one client and the clock takes one second of it away from every live
client each second, so on average at most (accepted requests/s) x interval
clients are live. A worker that accepts 50,000 requests/s at the default
50/s has at most 1,000 live clients; the table holds 65,536.

The table. Two arrays of SLOTS entries, allocated once: a 64-bit tag and a
TAT (16 bytes a slot, 1 MiB in all). A client's tag is a keyed hash of its
key (SipHash, Python's `hash` of bytes, over a random per-process secret
followed by the key, so the tag depends on the secret even when
PYTHONHASHSEED is fixed); the tag also picks the client's pair of
neighbouring slots (a 2-way set-associative table: two candidates for the
cost of one index). A client is found by comparing the tag in its two
slots (no address is stored, only the tag). A client not found takes the
slot of the two whose TAT is earlier, a slot with a full bucket if either
holds one.

Why an attacker cannot use the bound:

- Share a bucket with a victim, to have it refused: needs the victim's
  64-bit tag, i.e. a SipHash collision under a secret the attacker never
  sees. Different clients never share a bucket otherwise.
- Evict a client being limited (its own heavy one, to reset its limit; or
  anyone's) by flooding fresh addresses: a newcomer only ever replaces the
  slot of its pair with the earlier TAT, and a client being limited has the
  latest TAT there can be (now + tolerance). It is replaced only when the
  other slot of its pair is equally far ahead, i.e. when a large part of
  the table is held by clients at their limit: with a share f of the slots
  at their limit, a newcomer replaces one with probability f^2, and holding
  f = 1/2 of the table at its limit takes 32,768 clients sending at least
  PEIL_RATE_LIMIT each, 1.6 million requests/s at the default, far beyond
  what a worker can answer. Aiming instead (finding addresses whose pair
  is the victim's) needs the secret.
- Fill the memory: there is none to fill; the table never grows.

A replaced client loses its state and starts with a full bucket: under
overload of the table the limit fails open (too lenient for some), never
closed (nobody refused for somebody else's traffic).

The key (the address bytes) is used to compute the tag and dropped: it is
never stored, logged, or used as a metric label. Nothing here raises on
any key.
"""

from __future__ import annotations

import os
import time
from array import array

SLOTS = 1 << 16
_MAPPED = bytes(10) + b"\xff\xff"  # ::ffff:0:0/96, IPv4-mapped IPv6


class RateLimiter:
    """`per_second` requests per client, bursts of `burst`; 0: no limit."""

    __slots__ = ("_mask", "_secret", "_tags", "_tats", "interval", "tolerance")

    def __init__(self, per_second: float, burst: int, *, slots: int = SLOTS) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.tolerance = self.interval * burst
        size = 1 << max(1, (slots - 1).bit_length())  # a power of two, at least 2
        self._mask = size - 1
        self._secret = os.urandom(16)
        self._tags = array("q", bytes(8 * size))
        self._tats = array("d", bytes(8 * size))  # 0.0: long past, a full bucket

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    @property
    def slots(self) -> int:
        return self._mask + 1

    def allow(self, key: bytes) -> bool:
        """Whether the client of address `key` (4 or 16 packed bytes) may send now."""
        if len(key) == 16:
            key = key[12:] if key.startswith(_MAPPED) else key[:8]
        tag = hash(self._secret + key)
        first = tag & self._mask
        other = first ^ 1  # the pair's other slot
        tags, tats = self._tags, self._tats
        if tags[first] == tag:
            slot = first
        elif tags[other] == tag:
            slot = other
        else:
            slot = first if tats[first] <= tats[other] else other
            tags[slot] = tag
            tats[slot] = 0.0
        now = time.monotonic()
        tat = tats[slot]
        if tat < now:
            tat = now
        elif tat - now > self.tolerance:
            return False
        tats[slot] = tat + self.interval
        return True

    def live(self) -> int:
        """How many clients have a bucket that is not full (for tests and benchmarks;
        walks the whole table)."""
        now = time.monotonic()
        return sum(1 for tat in self._tats if tat > now)
