"""Liveness and metrics: /healthz (ok, degraded or unhealthy), /metrics (Prometheus)."""

from __future__ import annotations

import asyncio
import os

from aiohttp import web

from collector import __version__
from collector.keys import METRICS, POOL, SETTINGS, WRITER

HEALTH_QUERY_TIMEOUT_S = 2


async def healthz(request: web.Request) -> web.Response:
    """ok; degraded (200): PostgreSQL unreachable, events wait in the spool;
    unhealthy (503): the spool is full too, so events are refused.

    Degraded is still 200 on purpose: a load balancer must keep sending
    events to a collector that stores them durably.
    """
    metrics = request.app[METRICS]
    request.app[WRITER].report()
    spool = request.app[WRITER].spool
    body = {
        "status": "ok",
        "database": "ok",
        "version": __version__,
        "pid": os.getpid(),
        "queue_depth": int(metrics.total("queue_depth")),
        "durability": request.app[SETTINGS].durability,
        "spool_bytes": int(metrics.total("spool_bytes")),
        "spool_oldest_age_s": round(metrics.maximum("spool_oldest_age_s"), 3),
    }
    try:
        async with asyncio.timeout(HEALTH_QUERY_TIMEOUT_S):
            await request.app[POOL].fetchval("SELECT 1")
    except Exception:  # whatever the failure, events cannot reach PostgreSQL now
        body.update(status="degraded", database="unreachable")
    if spool.full:
        body.update(status="unhealthy", spool="full")
        return web.json_response(body, status=503)
    return web.json_response(body)


async def metrics(request: web.Request) -> web.Response:
    request.app[WRITER].report()
    return web.Response(
        body=request.app[METRICS].render().encode(),
        headers={
            "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
            "Cache-Control": "no-store",
        },
    )
