"""Client event ids seen recently, so a retried beacon is stored once.

Two generations of sets: lookups check both, inserts go to the current one,
and every `window_s` (or every `max_ids` ids) the old generation is dropped.
An id is thus remembered for between one and two windows, or at least for
the last `max_ids` events of this process under heavy load.

The sets hold a 64-bit hash of (site, id) rather than the pair: about 60
bytes an entry instead of 160, which keeps a worker's memory bounded at
full load (two million pairs would be 300 MB; a million hashes are 60 MB).
A false "duplicate" needs two of a million random ids to share 64 bits.
"""

from __future__ import annotations

import time


class RecentIds:
    def __init__(self, window_s: float = 120.0, max_ids: int = 500_000) -> None:
        self.window_s = window_s
        self.max_ids = max_ids
        self._current: set[int] = set()
        self._previous: set[int] = set()
        self._rotated_at = time.monotonic()

    def contains(self, site_id: int, client_id: str) -> bool:
        key = hash((site_id, client_id))
        return key in self._current or key in self._previous

    def remember(self, site_id: int, client_ids: list[str]) -> None:
        """Remember ids once their events are accepted (not before: a 503 must stay retryable)."""
        now = time.monotonic()
        if now - self._rotated_at > self.window_s or len(self._current) >= self.max_ids:
            self._previous, self._current = self._current, set()
            self._rotated_at = now
        self._current.update(hash((site_id, client_id)) for client_id in client_ids)

    def forget(self, site_id: int, client_ids: list[str]) -> None:
        """Take back ids whose events could not be stored after all (they may be retried)."""
        for client_id in client_ids:
            key = hash((site_id, client_id))
            self._current.discard(key)
            self._previous.discard(key)
