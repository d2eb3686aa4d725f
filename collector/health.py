"""Liveness and metrics: /healthz (200 while PostgreSQL answers), /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import os

from aiohttp import web

from collector import __version__
from collector.keys import METRICS, POOL

HEALTH_QUERY_TIMEOUT_S = 2


async def healthz(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    body = {
        "status": "ok",
        "database": "ok",
        "version": __version__,
        "pid": os.getpid(),
        "queue_depth": int(metrics.total("queue_depth")),
    }
    try:
        async with asyncio.timeout(HEALTH_QUERY_TIMEOUT_S):
            await request.app[POOL].fetchval("SELECT 1")
    except Exception:  # whatever the failure, this process cannot serve
        body.update(status="unhealthy", database="unreachable")
        return web.json_response(body, status=503)
    return web.json_response(body)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(
        body=request.app[METRICS].render().encode(),
        headers={
            "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
            "Cache-Control": "no-store",
        },
    )
