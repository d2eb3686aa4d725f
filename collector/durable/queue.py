"""Queue: the in-memory hand-over from the spool to the writer.

The spool (spool.py) offers each group of records once it is in the file.
The queue keeps them in memory, in sequence order, so the writer seldom has
to read the file back (GoatCounter's memstore, with a durable log behind it).
When the queue is full it "spills": it stops taking records, and they wait
in the spool file only, until the writer has read that backlog back from
disk and caught up. The queue is bounded in rows; the spool in bytes.
"""

from __future__ import annotations

import asyncio
import contextlib

from collector.durable.spool import SpoolRecord


class EventQueue:
    def __init__(self, capacity: int, wake_at: int) -> None:
        self.capacity = capacity
        self._records: list[SpoolRecord] = []
        self._rows = 0
        self._wake_at = wake_at
        self._ready = asyncio.Event()
        # True from the first record refused for lack of room until the writer
        # has caught up with the spool file: what arrives meanwhile stays on disk.
        self.spilled = False

    def __len__(self) -> int:
        """Rows waiting in memory."""
        return self._rows

    @property
    def ready(self) -> bool:
        """A batch's worth of rows is waiting, or the spilled backlog is."""
        return self._ready.is_set()

    def offer(self, records: list[SpoolRecord]) -> None:
        """Keep the records in memory if they fit and nothing is spilled before them."""
        rows = sum(r.count for r in records)
        if self.spilled or self._rows + rows > self.capacity:
            self.spilled = True
        else:
            self._records += records
            self._rows += rows
        if self._rows >= self._wake_at or self.spilled:
            self._ready.set()

    def take(self, limit: int) -> list[SpoolRecord]:
        """The oldest records, about `limit` rows (at least one record when any)."""
        taken, rows = 0, 0
        for record in self._records:
            if taken and rows + record.count > limit:
                break
            taken += 1
            rows += record.count
        records, self._records = self._records[:taken], self._records[taken:]
        self._rows -= rows
        if self._rows < self._wake_at and not self.spilled:
            self._ready.clear()
        return records

    def put_back(self, records: list[SpoolRecord]) -> None:
        """Return records a failed write took, ahead of newer ones (may exceed capacity)."""
        self._records[:0] = records
        self._rows += sum(r.count for r in records)

    def head_received_us(self) -> int:
        return self._records[0].received_us if self._records else 0

    def caught_up(self) -> None:
        """The writer has read the spilled backlog back: take records in memory again."""
        self.spilled = False
        if self._rows < self._wake_at:
            self._ready.clear()

    async def wait(self, timeout: float) -> None:
        """Until a batch's worth of rows is waiting (or spilled), or `timeout` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), timeout)
