"""Running `peil serve`: one process, or N worker processes sharing the port,
plus one process for the scheduled jobs.

With --workers N every worker binds the same address with SO_REUSEPORT, so
the kernel spreads connections over them; each has its own event loop, pool
and writer, and writes its metrics into its row of a shared map. The parent
only starts, watches and stops them. Scheduled jobs (rollup, upkeep, purge)
run in a niced process of their own, started and stopped with the server.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import signal
import socket
import time
from contextlib import suppress

from aiohttp import web

from collector.app import AccessLogger, make_app
from collector.config import Settings
from collector.db.connect import create_pool
from collector.errors import PeilError
from collector.jobs.scheduler import Scheduler, standard_jobs
from collector.logs import configure_logging
from collector.metrics import Metrics, create_shared_file

log = logging.getLogger(__name__)

WORKER_START_TIMEOUT_S = 60
WORKER_STOP_TIMEOUT_S = 40  # longer than the connections' and the writer's deadlines
SHUTDOWN_TIMEOUT_S = 10  # open connections get this long to finish
JOBS_NICENESS = 10


def new_event_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency except on Windows
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run_on_uvloop(coro) -> None:
    # asyncio.run(loop_factory=...) only exists from Python 3.12; Runner has it in 3.11.
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(coro)


def check_port_free(host: str, port: int) -> None:
    """Fail early, in one sentence, if something already listens on host:port.

    A plain bind (no SO_REUSEPORT) fails even against a reuse-port listener,
    so a second `peil serve` cannot silently share the first one's port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PeilError(
                f"Cannot listen on {host}:{port} ({exc.strerror}); stop what uses it or"
                " choose another --port."
            ) from None


def serve(settings: Settings, database_url: str, workers: int) -> None:
    """Serve until SIGINT or SIGTERM; return after everything has drained."""
    check_port_free(settings.host, settings.port)
    jobs = multiprocessing.get_context("spawn").Process(
        target=_jobs_main, args=(settings, database_url), name="peil-jobs"
    )
    jobs.start()
    try:
        if workers == 1:
            run_on_uvloop(serve_process(settings, database_url, run_jobs=False))
        else:
            _serve_many(settings, database_url, workers, jobs)
    finally:
        _stop_process(jobs)


def _jobs_main(settings: Settings, database_url: str) -> None:
    """The scheduled jobs (rollup, partition upkeep, purge) in a process of their own.

    Not in a worker: the rollup's Python steps would hold up that worker's
    event loop, and its requests with it. Niced, so that under load the
    collector's answers come first and the rollup catches up after.
    """
    configure_logging(settings.log_level)
    with suppress(OSError):
        os.nice(JOBS_NICENESS)
    run_on_uvloop(run_jobs(settings, database_url))


async def run_jobs(settings: Settings, database_url: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        pool = await create_pool(database_url, min_size=1, max_size=3)
    except PeilError as exc:
        log.error("scheduled jobs not started: %s", exc)
        return
    scheduler = Scheduler(pool, standard_jobs(settings))
    scheduler.start()
    try:
        await stop.wait()
    finally:
        await scheduler.stop()
        await pool.close()


def _stop_process(process: multiprocessing.process.BaseProcess) -> None:
    if process.is_alive():
        with suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
    process.join(WORKER_STOP_TIMEOUT_S)
    if process.is_alive():
        process.kill()


async def serve_process(
    settings: Settings,
    database_url: str,
    *,
    reuse_port: bool = False,
    run_jobs: bool = True,
    metrics: Metrics | None = None,
    spool_share: int = 1,
    ready=None,
) -> None:
    """Serve in this process until SIGINT/SIGTERM, then drain and return.

    `ready` (a worker's queue to the parent) receives ("ready", pid) or
    ("error", sentence); without it, a start-up failure raises PeilError.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    app = make_app(
        settings, database_url, run_jobs=run_jobs, metrics=metrics, spool_share=spool_share
    )
    runner = web.AppRunner(app, handle_signals=False, access_log_class=AccessLogger)
    try:
        await runner.setup()
        site = web.TCPSite(
            runner,
            settings.host,
            settings.port,
            reuse_port=reuse_port,
            shutdown_timeout=SHUTDOWN_TIMEOUT_S,
        )
        await site.start()
    except (PeilError, OSError) as exc:
        await runner.cleanup()
        message = (
            str(exc)
            if isinstance(exc, PeilError)
            else (f"Cannot listen on {settings.host}:{settings.port} ({exc.strerror}).")
        )
        if ready is None:
            raise PeilError(message) from None
        ready.put(("error", message))
        return
    if ready is None:
        log.info("listening on http://%s:%d", settings.host, settings.port)
    else:
        ready.put(("ready", os.getpid()))
    await stop.wait()
    log.info("stopping: draining queued events")
    await runner.cleanup()


def _worker_main(
    settings: Settings, database_url: str, index: int, workers: int, metrics_path: str, ready
) -> None:
    configure_logging(settings.log_level)
    metrics = Metrics(metrics_path, index, workers)
    run_on_uvloop(
        serve_process(
            settings,
            database_url,
            reuse_port=True,
            run_jobs=False,
            metrics=metrics,
            spool_share=workers,
            ready=ready,
        )
    )


def _serve_many(
    settings: Settings, database_url: str, workers: int, jobs: multiprocessing.process.BaseProcess
) -> None:
    # spawn, not fork: each worker starts clean, with no inherited event loop,
    # locks or database handles of the parent.
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    metrics_path = create_shared_file(workers, settings.data_dir)
    processes = [
        context.Process(
            target=_worker_main,
            args=(settings, database_url, index, workers, metrics_path, ready),
            name=f"peil-worker-{index}",
        )
        for index in range(workers)
    ]
    stopping = False

    def request_stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for process in processes:
            process.start()
        for _ in processes:
            try:
                status, detail = ready.get(timeout=WORKER_START_TIMEOUT_S)
            except queue.Empty:
                raise PeilError(
                    f"The workers did not start within {WORKER_START_TIMEOUT_S} s."
                ) from None
            if status == "error":
                raise PeilError(detail)
        log.info("listening on http://%s:%d with %d workers", settings.host, settings.port, workers)
        while not stopping and all(p.is_alive() for p in [*processes, jobs]):
            time.sleep(0.5)
        if not stopping:
            raise PeilError("A worker process died; stopping the others.")
    finally:
        for process in processes:
            if process.is_alive():
                with suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
        for process in processes:
            process.join(WORKER_STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        with suppress(FileNotFoundError):
            os.unlink(metrics_path)
