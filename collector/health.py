"""Liveness: /healthz answers 200 while this process can reach PostgreSQL."""

from __future__ import annotations

import asyncio
import os

from aiohttp import web

from collector import __version__

HEALTH_QUERY_TIMEOUT_S = 2


async def healthz(request: web.Request) -> web.Response:
    from collector.app import POOL

    body = {"status": "ok", "database": "ok", "version": __version__, "pid": os.getpid()}
    try:
        async with asyncio.timeout(HEALTH_QUERY_TIMEOUT_S):
            await request.app[POOL].fetchval("SELECT 1")
    except Exception:  # whatever the failure, this process cannot serve
        body.update(status="unhealthy", database="unreachable")
        return web.json_response(body, status=503)
    return web.json_response(body)
