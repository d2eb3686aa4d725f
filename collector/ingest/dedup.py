"""Client event ids seen recently, so a retried beacon is stored once.

Two generations of sets: lookups check both, inserts go to the current one,
and every `window_s` the old generation is dropped. An id is thus remembered
for between one and two windows, and memory stays bounded by `max_ids`.
"""

from __future__ import annotations

import time


class RecentIds:
    def __init__(self, window_s: float = 120.0, max_ids: int = 1_000_000) -> None:
        self.window_s = window_s
        self.max_ids = max_ids
        self._current: set[tuple[int, str]] = set()
        self._previous: set[tuple[int, str]] = set()
        self._rotated_at = time.monotonic()

    def contains(self, site_id: int, client_id: str) -> bool:
        key = (site_id, client_id)
        return key in self._current or key in self._previous

    def remember(self, site_id: int, client_ids: list[str]) -> None:
        """Remember ids once their events are accepted (not before: a 503 must stay retryable)."""
        now = time.monotonic()
        if now - self._rotated_at > self.window_s or len(self._current) >= self.max_ids:
            self._previous, self._current = self._current, set()
            self._rotated_at = now
        self._current.update((site_id, client_id) for client_id in client_ids)

    def forget(self, site_id: int, client_ids: list[str]) -> None:
        """Take back ids whose events could not be stored after all (they may be retried)."""
        for client_id in client_ids:
            self._current.discard((site_id, client_id))
            self._previous.discard((site_id, client_id))
