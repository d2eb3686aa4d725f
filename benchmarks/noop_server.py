"""The ceiling for benchmarks/ingest.py: an aiohttp handler on uvloop that
only reads the body and parses it with orjson, then answers 202. Whatever
Peil's pipeline costs beyond this is measured as the ratio to this server.

    python benchmarks/noop_server.py PORT WORKERS
"""

from __future__ import annotations

import multiprocessing
import signal
import sys

import orjson
from aiohttp import web

from collector.server import run_on_uvloop


async def handle(request: web.Request) -> web.Response:
    orjson.loads(await request.read())
    return web.Response(status=202)


async def serve(port: int) -> None:
    import asyncio

    app = web.Application()
    app.router.add_post("/api/events", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, reuse_port=True).start()
    await asyncio.Event().wait()


def worker(port: int) -> None:
    run_on_uvloop(serve(port))


if __name__ == "__main__":
    port, workers = int(sys.argv[1]), int(sys.argv[2])
    processes = [
        multiprocessing.Process(target=worker, args=(port,), daemon=True) for _ in range(workers)
    ]
    for p in processes:
        p.start()
    # SIGTERM ends the parent normally, and daemon workers end with it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    for p in processes:
        p.join()
