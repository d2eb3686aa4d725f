"""Periodic tasks: a coroutine run every few seconds, forever, whose failure
is one log line, not the end of the loop (site registry, salts, jobs)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def repeat_every(interval_s: float, work: Callable[[], Awaitable[object]], what: str) -> None:
    """Run `work` every `interval_s` seconds, forever; a failure is one log line, not the end."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await work()
        except Exception as exc:
            log.warning("could not %s: %s", what, exc)
