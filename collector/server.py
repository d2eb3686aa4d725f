"""Running `peil serve`: one process, or N worker processes sharing the port,
plus one process for the scheduled jobs.

With --workers N every worker binds the same address with SO_REUSEPORT, so
the kernel spreads connections over them; each has its own event loop, pool
and writer, and writes its metrics into its row of a shared map. The parent
only starts, watches and stops them. Scheduled jobs (rollup, upkeep, purge)
run in a niced process of their own, started and stopped with the server.

No child outlives `peil serve`, whatever ends it (SIGKILL, the OOM killer):
each one watches a pipe that only its parent holds open (see
on_parent_death). A worker whose parent is gone stops as on SIGTERM; the jobs
process just exits (PostgreSQL rolls back a rollup or purge cut short). The
spool's sync helpers end with their worker in the same way (sync_helper.py).
The embedded PostgreSQL is not a child: it is borrowed by handle
(db/embedded.py), and the next peil command forgets a killed serve's handle.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from multiprocessing.connection import Connection, wait

from aiohttp import web

from collector.app import AccessLogger, make_app
from collector.config import Settings
from collector.db.connect import create_pool
from collector.errors import PeilError
from collector.jobs.leader import lead_jobs
from collector.jobs.scheduler import Scheduler, standard_jobs
from collector.logs import configure_logging
from collector.metrics import Metrics, create_shared_file

log = logging.getLogger(__name__)

WORKER_START_TIMEOUT_S = 60
WORKER_STOP_TIMEOUT_S = 40  # longer than the connections' and the writer's deadlines
SHUTDOWN_TIMEOUT_S = 10  # open connections get this long to finish
JOBS_NICENESS = 10
# An orphaned worker's drain is bounded by its own deadlines already; this
# alarm ends it even if that drain hangs, since no parent is left to kill it.
ORPHAN_STOP_TIMEOUT_S = WORKER_STOP_TIMEOUT_S


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


def on_parent_death(callback: Callable[[], None]) -> None:
    """Call `callback` once, from the running loop, when this process's parent ends.

    Only for processes started by multiprocessing (spawn): each gets the read
    end of a pipe whose only write end its parent holds, which the kernel
    closes when the parent ends in any way, SIGKILL included; the pipe then
    reads as ready (EOF). Unlike PR_SET_PDEATHSIG this is not set off by the
    end of the parent's *thread* that started the child, has no race with a
    parent that died before this call (EOF stays ready), and is not Linux only.
    A no-op in a process that multiprocessing did not start.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    loop = asyncio.get_running_loop()

    def parent_gone() -> None:
        loop.remove_reader(parent.sentinel)
        callback()

    loop.add_reader(parent.sentinel, parent_gone)


def serve(settings: Settings, database_url: str, workers: int) -> None:
    """Serve until SIGINT or SIGTERM; return after everything has drained."""
    # Again, now with the prefixes: other libraries' lines may name clients (logs.py).
    configure_logging(settings.log_level, settings.ipv4_prefix, settings.ipv6_prefix)
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
    configure_logging(settings.log_level, settings.ipv4_prefix, settings.ipv6_prefix)
    with suppress(OSError):
        os.nice(JOBS_NICENESS)
    run_on_uvloop(run_jobs(settings, database_url))


async def run_jobs(settings: Settings, database_url: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    on_parent_death(_exit_orphaned_jobs)
    try:
        pool = await create_pool(database_url, min_size=1, max_size=3)
    except PeilError as exc:
        log.error("scheduled jobs not started: %s", exc)
        return
    try:
        # Only the node holding the jobs lock runs them (collector/jobs/leader.py).
        await lead_jobs(database_url, lambda: Scheduler(pool, standard_jobs(settings)), stop)
    finally:
        await pool.close()


def _exit_orphaned_jobs() -> None:
    # Nothing here is worth a clean stop: a rollup or purge cut short is
    # rolled back by PostgreSQL when the connection drops, and redone by the
    # next serve's jobs. os._exit: no cancellation, no traceback, no waiting.
    log.warning("peil serve is gone; the scheduled jobs stop")
    os._exit(0)


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

    `ready` (a worker's pipe to the parent) receives ("ready", pid) or
    ("error", sentence); without it, a start-up failure raises PeilError.
    A worker also stops, in the same way, when its parent `peil serve` dies.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def orphaned() -> None:
        log.warning("peil serve is gone; this worker stops")
        signal.alarm(ORPHAN_STOP_TIMEOUT_S)  # SIGALRM's default action ends the process
        stop.set()

    on_parent_death(orphaned)

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
        _report(ready, "error", message)
        return
    if ready is None:
        log.info("listening on http://%s:%d", settings.host, settings.port)
    else:
        _report(ready, "ready", os.getpid())
    await stop.wait()
    log.info("stopping: draining queued events")
    await runner.cleanup()


def _report(ready: Connection, status: str, detail: object) -> None:
    with suppress(OSError):  # the parent is gone: on_parent_death stops this worker
        ready.send((status, detail))


def _wait_ready(pipes: list[Connection]) -> None:
    """Until every worker reports it listens; PeilError if one cannot or dies first."""
    deadline = time.monotonic() + WORKER_START_TIMEOUT_S
    waiting = list(pipes)
    while waiting:
        answered = wait(waiting, timeout=max(0.0, deadline - time.monotonic()))
        if not answered:
            raise PeilError(f"The workers did not start within {WORKER_START_TIMEOUT_S} s.")
        for pipe in answered:
            waiting.remove(pipe)
            try:
                status, detail = pipe.recv()
            except EOFError:
                raise PeilError("A worker process died while starting.") from None
            if status == "error":
                raise PeilError(detail)


def _worker_main(
    settings: Settings,
    database_url: str,
    index: int,
    workers: int,
    metrics_path: str,
    ready: Connection,
) -> None:
    configure_logging(settings.log_level, settings.ipv4_prefix, settings.ipv6_prefix)
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
    # locks or database handles of the parent. A pipe per worker, not a
    # multiprocessing.Queue: its named semaphores would be reported leaked
    # by the resource tracker after a SIGKILL of serve.
    context = multiprocessing.get_context("spawn")
    pipes = [context.Pipe(duplex=False) for _ in range(workers)]
    metrics_path = create_shared_file(workers, settings.data_dir)
    processes = [
        context.Process(
            target=_worker_main,
            args=(settings, database_url, index, workers, metrics_path, pipes[index][1]),
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
        for process, (_, sender) in zip(processes, pipes, strict=True):
            process.start()
            sender.close()  # the worker's copy is its own: EOF if it dies
        _wait_ready([receiver for receiver, _ in pipes])
        # Every worker has mapped the metrics file: gone from the file system
        # now, nothing is left behind even if serve is killed.
        os.unlink(metrics_path)
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
        for receiver, _ in pipes:
            receiver.close()
        with suppress(FileNotFoundError):
            os.unlink(metrics_path)
