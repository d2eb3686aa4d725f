"""Durable spool writes without a thread: each group's fdatasync runs in a helper process.

Why not `asyncio.to_thread(os.fdatasync)`: every sync then hands the GIL to
a thread and back, and on two busy cores that cost the event loop more than
the requests the sync covers (single-event requests, 2 workers: 258-358 us
of CPU each through a thread, 192-222 us through the helper; see
benchmarks/RESULTS.md). The helper (sync_helper.py) has an interpreter of
its own; the event loop only writes a path to a pipe and is woken by epoll
when the answer arrives, as for any socket.

A helper that dies fails the syncs waiting on it (their requests get 503,
and nothing is acknowledged that is not on disk); the next sync starts a new
one.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import subprocess
import sys
from collections import deque
from pathlib import Path

from collector.errors import PeilError

HELPER = Path(__file__).with_name("sync_helper.py")
CLOSE_TIMEOUT_S = 5.0


class Syncer:
    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._waiting: deque[asyncio.Future] = deque()
        self._answers = b""
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the helper (PeilError if it cannot be); call from the event loop."""
        self._loop = asyncio.get_running_loop()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", str(HELPER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                # Its own session: a Ctrl-C in the terminal is for the worker,
                # which still needs syncs while it drains.
                start_new_session=True,
            )
        except OSError as exc:
            raise PeilError(
                f"Cannot start the spool's sync helper process ({exc.strerror}); with"
                " PEIL_DURABILITY=fsync every worker needs one."
            ) from None
        answers = self._process.stdout.fileno()
        os.set_blocking(answers, False)
        self._loop.add_reader(answers, self._read_answers)

    async def sync(self, path: Path) -> None:
        """fdatasync the file at `path`; OSError if that failed or the helper is gone."""
        if self._process is None:
            self.start()
        future = self._loop.create_future()
        try:
            # A few bytes into a pipe that holds 64 KiB, with one sync in flight
            # at a time: this never blocks.
            os.write(self._process.stdin.fileno(), os.fsencode(path) + b"\0")
        except OSError:
            self._helper_gone()
            raise OSError(errno.EPIPE, "the spool sync helper is gone") from None
        self._waiting.append(future)
        await future

    def _read_answers(self) -> None:
        try:
            data = os.read(self._process.stdout.fileno(), 4096)
        except BlockingIOError:
            return
        if not data:
            self._helper_gone()
            return
        *lines, self._answers = (self._answers + data).split(b"\n")
        for line in lines:
            future = self._waiting.popleft()
            code = int(line)
            if future.done():
                continue
            if code:
                future.set_exception(OSError(code, os.strerror(code)))
            else:
                future.set_result(None)

    def _helper_gone(self) -> None:
        """The helper died (or was killed): fail what waits on it; the next sync starts anew."""
        self._stop_helper(kill=True)
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(OSError(errno.EPIPE, "the spool sync helper died"))

    def _stop_helper(self, *, kill: bool) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ValueError, OSError, RuntimeError):  # the loop may be closed
            self._loop.remove_reader(process.stdout.fileno())
        process.stdin.close()  # the helper's loop ends at EOF
        if kill:
            process.kill()
        try:
            # Blocks the loop, but only for as long as an exiting (or killed)
            # process takes to go: its loop ends at once at EOF.
            process.wait(CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        self._answers = b""

    def close(self) -> None:
        """End the helper once nothing waits on it (the spool closes after its last sync)."""
        self._stop_helper(kill=False)
