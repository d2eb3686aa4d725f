"""Waiting for a condition instead of sleeping a fixed time: poll it until it
holds or a deadline passes, then fail with a sentence saying what never came.

A fixed sleep before an assertion is either too short on a busy machine (a
flaky test) or longer than needed everywhere else; a deadline only costs time
when something is wrong. A sleep that *is* what a test checks (a timeout
passing, nothing arriving for a while) stays a sleep.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import psutil

T = TypeVar("T")

TIMEOUT_S = 10.0
INTERVAL_S = 0.05


def eventually(
    predicate: Callable[[], T],
    timeout: float = TIMEOUT_S,
    *,
    what: str = "",
    interval: float = INTERVAL_S,
) -> T:
    """The first truthy value of predicate(), polled until `timeout` seconds pass.

    AssertionError naming `what` (and the last value) if it never holds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(_never(what, predicate, timeout, value))
        time.sleep(interval)


async def eventually_async(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float = TIMEOUT_S,
    *,
    what: str = "",
    interval: float = INTERVAL_S,
) -> T:
    """As eventually(), without blocking the event loop; `predicate` may be async."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if loop.time() >= deadline:
            raise AssertionError(_never(what, predicate, timeout, value))
        await asyncio.sleep(interval)


def _never(what: str, predicate: Callable, timeout: float, last: object) -> str:
    described = what or getattr(predicate, "__qualname__", repr(predicate))
    shown = "" if isinstance(last, bool) or last is None else f" (last: {last!r})"
    return f"not within {timeout:g} s: {described}{shown}"


def ended(process: psutil.Process) -> bool:
    """True once `process` has exited (a zombie waiting to be reaped counts as exited).

    A psutil.Process taken while it ran, not a bare pid: a pid the kernel has
    given to a new process since is not mistaken for it.
    """
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
