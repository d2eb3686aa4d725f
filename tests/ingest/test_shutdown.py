"""`peil serve --workers 2` as a real process: both workers ingest, /metrics
sums them, and SIGTERM drains every acknowledged event into PostgreSQL."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import uuid

import aiohttp

from tests.support.client import CHROME, ORIGIN, body
from tests.support.serve import free_port, wait_healthy


async def test_sigterm_drains_every_acknowledged_event(env, site, db):
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "collector", "serve", "--workers", "2"],
        env={**env, "PEIL_PORT": str(port), "PEIL_RATE_LIMIT": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    marker = uuid.uuid4().hex
    try:
        await asyncio.to_thread(wait_healthy, f"{base}/healthz", serve)
        headers = {"User-Agent": CHROME, "Origin": ORIGIN}
        async with aiohttp.ClientSession() as http:

            async def send(batch: int) -> int:
                events = [{"id": f"{marker}-{batch}-{i}", "t": "pageview"} for i in range(20)]
                async with http.post(
                    f"{base}/api/events", data=body(site, events), headers=headers
                ) as response:
                    return response.status

            statuses = await asyncio.gather(*(send(b) for b in range(100)))
            assert statuses == [202] * 100
            async with http.get(f"{base}/metrics") as response:
                metrics = await response.text()
        assert "peil_events_accepted_total 2000" in metrics.splitlines()
        serve.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(serve.wait, 60) == 0
    finally:
        if serve.poll() is None:
            serve.kill()
    stored = await db.fetchval("SELECT count(*) FROM events WHERE client_id LIKE $1", f"{marker}-%")
    assert stored == 2000
