"""`peil serve` as a subprocess: a free port, and waiting for a healthy /healthz;
and serve's jobs process with its one job stopped inside a transaction."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited early: {process.stderr.read()}")
        try:
            status, body = get_json(url)
            if status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("no healthy /healthz in time")


ADVISORY_LOCK = 424_242  # taken by the job below, inside its transaction


def jobs_inside_a_transaction(settings, database_url: str) -> None:
    """serve's jobs process whose one job stops inside a transaction (a spawn target).

    The job takes an advisory lock in the transaction, then waits in Python
    with the transaction open, as a rollup does between its statements.
    """
    import asyncio

    from collector import server
    from collector.jobs.scheduler import Job

    async def hold(pool) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", ADVISORY_LOCK)
            await asyncio.sleep(600)

    server.standard_jobs = lambda settings: [Job("hold", 3600, hold)]
    server._jobs_main(settings, database_url)
