"""Per-address rate limit (GCRA, the token bucket without a timer).

Keys are the full address bytes, held in memory only, never logged or stored.
Entries whose bucket has refilled are forgotten, so memory follows the number
of currently busy addresses.
"""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, per_second: float, burst: int) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.tolerance = self.interval * burst
        self._tat: dict[bytes, float] = {}
        self._next_sweep = time.monotonic() + 60

    @property
    def enabled(self) -> bool:
        return self.interval > 0

    def allow(self, key: bytes) -> bool:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._sweep(now)
        tat = max(self._tat.get(key, now), now)
        if tat - now > self.tolerance:
            return False
        self._tat[key] = tat + self.interval
        return True

    def _sweep(self, now: float) -> None:
        self._tat = {k: v for k, v in self._tat.items() if v > now}
        self._next_sweep = now + 60
