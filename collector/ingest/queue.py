"""Queue: the bounded hand-over between request handlers and the writer.

Handlers append whole requests' rows and never wait; the writer swaps the
list out and writes it outside the handlers' path (GoatCounter's memstore).
When full, `offer` refuses and the handler answers 503 with Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib


class EventQueue:
    def __init__(self, capacity: int, wake_at: int) -> None:
        self.capacity = capacity
        self._rows: list[bytes] = []
        self._wake_at = wake_at
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._rows)

    def offer(self, rows: list[bytes]) -> bool:
        """Append all rows, or none when they do not fit."""
        if len(self._rows) + len(rows) > self.capacity:
            return False
        self._rows.extend(rows)
        if len(self._rows) >= self._wake_at:
            self._ready.set()
        return True

    def take(self, limit: int) -> list[bytes]:
        """Up to `limit` of the oldest rows."""
        if len(self._rows) <= limit:
            rows, self._rows = self._rows, []
        else:
            rows, self._rows = self._rows[:limit], self._rows[limit:]
        if len(self._rows) < self._wake_at:
            self._ready.clear()
        return rows

    def put_back(self, rows: list[bytes]) -> None:
        """Return rows a failed write took, ahead of newer ones (may exceed capacity)."""
        self._rows[:0] = rows

    async def wait(self, timeout: float) -> None:
        """Until a batch's worth of rows is waiting, or `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
