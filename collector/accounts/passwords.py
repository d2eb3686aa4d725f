"""Password hashes (argon2id) and the bounded pool that checks them off the event loop.

One argon2id check costs 64 MiB and tens of milliseconds of CPU on purpose.
Run on the event loop, eight concurrent logins stalled collection for
seconds. Here every hash runs in a pool of at most `HASH_THREADS` threads
per worker, at a lower CPU priority than the event loop (Linux schedules
threads one by one, so the loop's thread wins the CPU when both want it).
Beyond `QUEUE_LIMIT` waiting checks the pool refuses at once (`Busy`), and
/login answers 503 with Retry-After instead of queueing work without end.
"""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from collector.errors import PeilError

# argon2-cffi's defaults are the RFC 9106 "low memory" argon2id profile.
_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
HASH_THREADS = 2
QUEUE_LIMIT = 8
# Added to the hashing threads' nice value: the event loop keeps precedence.
HASH_NICENESS = 10
# An unknown account is checked against this, so it costs as much as a known one
# (no finding out which emails have accounts by timing).
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class Busy(Exception):
    """Too many password checks are waiting; try again in a moment."""


def check_password(password: str) -> str:
    """`password` if it is long enough to be a password; PeilError otherwise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PeilError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PeilError(f"The password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash, blocking (the CLI, or inside the pool)."""
    return _hasher.hash(password)


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` matches; blocking. None stands for an unknown account."""
    try:
        _hasher.verify(stored_hash or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


def _lower_priority() -> None:
    # Not Linux, or not allowed: the hash still runs off the loop.
    with suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


class PasswordPool:
    """Hashing and checking passwords without blocking the event loop."""

    def __init__(self, threads: int = HASH_THREADS, queue_limit: int = QUEUE_LIMIT) -> None:
        self._executor = ThreadPoolExecutor(
            threads, thread_name_prefix="peil-argon2", initializer=_lower_priority
        )
        self._capacity = threads + queue_limit
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Checks running or waiting now."""
        return self._in_flight

    async def _run(self, work, *args):
        if self._in_flight >= self._capacity:
            raise Busy()
        self._in_flight += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self._in_flight -= 1

    async def matches(self, stored_hash: str | None, password: str) -> bool:
        return await self._run(password_matches, stored_hash, password)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
