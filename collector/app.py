"""The aiohttp application of one server process: routes, shared state, lifecycle.

Start-up order (cleanup_ctx): database pool -> ingest (sites, salts, spool,
writer) -> scheduled jobs. Shutdown unwinds in reverse, so the writer writes
what it can while the pool is still open; the rest waits in the spool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import suppress

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from collector import health, tracker
from collector.config import Settings
from collector.db.connect import create_pool
from collector.db.read_pool import ReadPool
from collector.durable.dedup import RecentIds
from collector.durable.queue import EventQueue
from collector.durable.spool import Spool, claim_orphans
from collector.durable.writer import BATCH_ROWS, Writer, remember_replayed
from collector.errors import PeilError
from collector.ingest.enrich.geoip import GeoIP
from collector.ingest.enrich.ip_truncation import describe_client
from collector.ingest.enrich.user_agent import warm_up
from collector.ingest.handlers import CLIENT_ADDRESS, INGEST, Ingest, add_routes
from collector.ingest.ratelimit import RateLimiter
from collector.ingest.receive import locate_client
from collector.ingest.salts import SaltKeeper
from collector.ingest.sites import SiteRegistry
from collector.jobs.scheduler import Scheduler, standard_jobs
from collector.keys import METRICS, POOL, READ_POOL, SCHEDULER, SETTINGS, WRITER
from collector.logs import ServerLog, malformed_request
from collector.metrics import Metrics
from dashboard import api as dashboard_api
from dashboard.access import authorize, check_every_route

RATE_BURST_FACTOR = 4
POOL_CLOSE_TIMEOUT_S = 5.0
# Connection limits of the HTTP server. They live on the app (handler_args), so
# `peil serve` and every test server run with the same ones.
# An idle keep-alive connection, or one whose request headers are still not
# complete, is closed after IDLE_TIMEOUT_S (aiohttp's default is an hour, which
# lets slow-loris clients hold sockets). Kept above the idle timeouts of the
# usual reverse proxies in front (nginx upstream 60 s, Caddy 120 s): a proxy
# reusing a connection Peil is just closing would lose that beacon.
IDLE_TIMEOUT_S = 150.0
# After an early answer (413, 400) aiohttp reads and discards the rest of the
# body this long, so the client sees the answer rather than a reset.
LINGER_S = 5.0


def handler_args(settings: Settings) -> dict[str, object]:
    """aiohttp's per-connection options (read at make_app time, so tests can shorten them)."""
    return {
        "keepalive_timeout": IDLE_TIMEOUT_S,
        "lingering_time": LINGER_S,
        # Never inflate request bodies: ingest refuses Content-Encoding (400)
        # and nothing else takes compressed bodies, so a gzip bomb costs nothing,
        # not even while the rest of a refused body is drained.
        "auto_decompress": False,
        # aiohttp's own lines name the full peer ("Error handling request from
        # ...") with a traceback: ServerLog writes them in one line, truncated
        # (a malformed request at DEBUG), see collector/logs.py.
        "logger": ServerLog(settings.ipv4_prefix, settings.ipv6_prefix),
    }


class AccessLogger(AbstractAccessLogger):
    """One line per request with the truncated client address (privacy rule 1).

    Only at PEIL_LOG_LEVEL=DEBUG; otherwise `enabled` tells aiohttp not to
    call it at all (the log level is set once at start). The path is printed
    percent-encoded and without its query, so neither a line break in it nor
    a query's token reaches the log. A malformed request has its one line
    from ServerLog already ("bad request from ..."), so none here.
    """

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.DEBUG)

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if malformed_request.get():
            return
        settings = request.app[SETTINGS]
        # Ingest routes have located the client already; other routes locate
        # it the same way (ingest's receive step, the one reader of the raw
        # peer). Either is printed only truncated, below.
        address = request.get(CLIENT_ADDRESS, _NOT_LOCATED)
        if address is _NOT_LOCATED:
            address = locate_client(request, settings.trusted_proxies)
        self.logger.debug(
            '%s "%s %s" %s %.1fms',
            describe_client(address, settings.ipv4_prefix, settings.ipv6_prefix),
            request.method,
            request.rel_url.raw_path,
            response.status,
            time * 1000,
        )


_NOT_LOCATED = object()


def spool_error(settings: Settings, exc: OSError) -> PeilError:
    return PeilError(
        f"Cannot use the spool directory {settings.spool_dir} ({exc.strerror}); check"
        " PEIL_DATA_DIR and its permissions."
    )


def make_app(
    settings: Settings,
    database_url: str,
    *,
    run_jobs: bool = True,
    metrics: Metrics | None = None,
    spool_share: int = 1,
) -> web.Application:
    """Build the app of one process.

    `run_jobs` is False in all but one worker so scheduled jobs run once;
    `metrics` is the worker's row of the shared metrics (a private one if None);
    `spool_share`: the number of workers, which share PEIL_SPOOL_MAX_MB.
    """
    app = web.Application(handler_args=handler_args(settings), middlewares=[authorize])
    app[SETTINGS] = settings
    app[METRICS] = metrics or Metrics()

    async def database(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = await create_pool(database_url)
        # Dashboard and stats reads: the standby of PEIL_READ_DATABASE_URL, or the primary.
        app[READ_POOL] = ReadPool(app[POOL], settings.read_database_url)
        await app[READ_POOL].start()
        yield
        try:
            # Closing waits for every connection to be released and to say
            # goodbye; a database gone mid-outage must not hold up shutdown.
            await asyncio.wait_for(app[READ_POOL].close(), POOL_CLOSE_TIMEOUT_S)
        except TimeoutError:
            app[READ_POOL].terminate()
        try:
            await asyncio.wait_for(app[POOL].close(), POOL_CLOSE_TIMEOUT_S)
        except TimeoutError:
            app[POOL].terminate()

    async def ingest(app: web.Application) -> AsyncIterator[None]:
        pool = app[POOL]
        recent_ids = RecentIds()
        # Generations of processes that died; the writer replays them first.
        try:
            orphans = claim_orphans(settings.spool_dir)
        except OSError as exc:
            raise spool_error(settings, exc) from None
        remember_replayed(orphans, recent_ids)
        queue = EventQueue(settings.queue_max, wake_at=BATCH_ROWS)
        spool = Spool(
            settings.spool_dir,
            fsync=settings.durability == "fsync",
            max_bytes=settings.spool_max_mb * 1024 * 1024 // spool_share,
            on_written=queue.offer,
        )
        spool.other_bytes = sum(o.bytes for o in orphans)
        state = Ingest(
            settings=settings,
            sites=SiteRegistry(pool),
            salts=SaltKeeper(pool),
            geoip=GeoIP(settings.geoip_db) if settings.geoip_db else GeoIP.disabled(),
            spool=spool,
            recent_ids=recent_ids,
            limiter=RateLimiter(settings.rate_limit, settings.rate_limit * RATE_BURST_FACTOR),
            metrics=app[METRICS],
        )
        await state.sites.load()
        await state.salts.refresh()
        warm_up()  # build the user-agent parser now, not on the first request
        app[METRICS].set("queue_capacity", settings.queue_max)
        app[METRICS].set("spool_capacity_bytes", spool.max_bytes)
        app[INGEST] = state
        try:
            spool.open()
        except OSError as exc:
            raise spool_error(settings, exc) from None
        app[WRITER] = Writer(pool, spool, queue, app[METRICS], orphans)
        app[WRITER].start()
        refreshers = [
            asyncio.create_task(state.sites.keep_fresh()),
            asyncio.create_task(state.salts.keep_fresh()),
        ]
        yield
        for task in refreshers:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await app[WRITER].stop()

    async def scheduler(app: web.Application) -> AsyncIterator[None]:
        app[SCHEDULER] = Scheduler(app[POOL], standard_jobs(settings) if run_jobs else [])
        app[SCHEDULER].start()
        yield
        await app[SCHEDULER].stop()

    app.cleanup_ctx.extend([database, ingest, scheduler])
    add_routes(app)
    tracker.add_routes(app)
    dashboard_api.add_routes(app)
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/metrics", health.metrics)
    check_every_route(app)
    app.on_response_prepare.append(hardening_headers(settings))
    return app


def hardening_headers(settings: Settings):
    """Headers of every answer: no version to fingerprint, no content sniffing, and
    under https, HSTS (browsers then never try plain http on this host)."""
    headers = {"Server": "Peil", "X-Content-Type-Options": "nosniff"}
    if settings.public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        response.headers.update(headers)

    return add
