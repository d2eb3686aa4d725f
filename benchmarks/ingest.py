"""Ingest benchmark: the real HTTP endpoint under load, against its ceiling.

For each scenario (1 or 20 events per request, 1 or 2 workers) it drives
`peil serve` with wrk on loopback, waits until the writer has drained, and
counts the rows that landed in PostgreSQL. In the same run it drives a no-op
aiohttp server on uvloop that only parses the body with orjson (the
ceiling) with the same load, and prints the ratio.

It also measures where the CPU went during each load and its drain:
microseconds of CPU per request in the server's processes (workers, their
sync helpers, the jobs process), in the embedded PostgreSQL and in wrk.
On two cores shared by all of them, throughput is the cores divided by the
CPU a request costs, so PostgreSQL's own share bounds the ratio to the
ceiling whatever the collector does: a collector costing no more than the
no-op server would still reach at most no-op / (no-op + PostgreSQL) of it.
That bound is printed beside the ratio.

    python benchmarks/ingest.py [--duration 10] [--connections 32]

Needs wrk (Debian: apt-get install wrk). Uses the embedded PostgreSQL in a
fresh temporary data dir unless PEIL_DATABASE_URL is set. The rate limit is
switched off: all load comes from one address.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from collector.db.connect import _with_database  # noqa: E402
from collector.db.embedded import EmbeddedPostgres  # noqa: E402


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_s: float = 0.0  # wrk's own CPU time


@dataclass
class CpuUse:
    """CPU seconds spent during one load, by part."""

    server: float  # the collector's processes (or the no-op server's)
    postgres: float
    loader: float
    wall_s: float

    def per_request_us(self, requests: int) -> tuple[float, float, float]:
        n = max(requests, 1)
        return (1e6 * self.server / n, 1e6 * self.postgres / n, 1e6 * self.loader / n)


def role(process: psutil.Process) -> str | None:
    """What a process of a `peil serve` tree is: worker, jobs, helper (or None: not ours)."""
    command = " ".join(process.cmdline())
    if process.name().startswith("postgres") or "resource_tracker" in command:
        return None
    if "sync_helper.py" in command:
        return "helper"
    # The jobs process nices itself; the parent serves when there is one worker.
    return "jobs" if process.nice() > 0 else "worker"


class CpuMeter:
    """CPU time of a server's process tree and of the embedded PostgreSQL's processes
    over a load (and its drain), and the peak RSS of the server's workers and of its
    jobs process (sampled every 0.25 s).

    PostgreSQL backends live as long as the pools' connections (the whole
    run), so a before/after difference per pid counts them; a process that
    started during the load counts with all of its CPU time, one that ended
    during it (a short autovacuum worker) is missed. With PEIL_DATABASE_URL
    (`postgres` None) PostgreSQL's CPU is not measured.
    """

    def __init__(self, server: subprocess.Popen, postgres: int | None) -> None:
        self.root = psutil.Process(server.pid)
        self.postgres = psutil.Process(postgres) if postgres else None
        self.peak_rss_mb = {"worker": 0.0, "jobs": 0.0}
        self._sampling = threading.Event()

    def _sample_rss(self) -> None:
        while not self._sampling.wait(0.25):
            for process in [self.root, *self.root.children(recursive=True)]:
                try:
                    kind = role(process)
                    if kind in self.peak_rss_mb:
                        rss = process.memory_info().rss / 2**20
                        self.peak_rss_mb[kind] = max(self.peak_rss_mb[kind], rss)
                except psutil.Error:
                    continue

    def _times(self) -> dict[int, tuple[str, float]]:
        parts = [("server", self.root), ("postgres", self.postgres)]
        found: dict[int, tuple[str, float]] = {}
        for part, root in parts:
            if root is None:
                continue
            for process in [root, *root.children(recursive=True)]:
                if part == "server" and process.name().startswith("postgres"):
                    continue  # the embedded server, when serve itself started it
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                found[process.pid] = (part, times.user + times.system)
        return found

    def __enter__(self) -> CpuMeter:
        self._before = self._times()
        self._started = time.monotonic()
        self._sampler = threading.Thread(target=self._sample_rss, daemon=True)
        self._sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        after = self._times()
        self._sampling.set()
        self._sampler.join()
        spent = {"server": 0.0, "postgres": 0.0}
        for pid, (part, seconds) in after.items():
            spent[part] += seconds - self._before.get(pid, (part, 0.0))[1]
        self.use = CpuUse(spent["server"], spent["postgres"], 0.0, time.monotonic() - self._started)


@dataclass
class Result:
    scenario: str
    server: str
    requests_per_s: float
    events_per_s: float
    p50_ms: float
    p99_ms: float
    rss_mb: float  # peak over the load, largest worker (the serving process when only one)
    landed: int | None = None
    drain_s: float | None = None
    # CPU per request during the load, microseconds: server, PostgreSQL, wrk
    cpu_us: tuple[float, float, float] = (0.0, 0.0, 0.0)
    jobs_rss_mb: float = 0.0  # peak over the load, the scheduled jobs' process


def add_site(env: dict[str, str], name: str) -> str:
    """`peil sites add NAME --domain bench.example`; returns the site key."""
    added = subprocess.run(
        [sys.executable, "-m", "collector", "sites", "add", name, "--domain", "bench.example"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    )
    return added.stdout.splitlines()[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


def run_wrk(port: int, site: str, batch: int, args: argparse.Namespace) -> Load:
    env = {**os.environ, "BENCH_SITE": site, "BENCH_BATCH": str(batch)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "--timeout",
            "5s",
            "-s",
            str(HERE / "ingest.lua"),
            f"http://127.0.0.1:{port}/api/events",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    return Load(
        data["requests"],
        data["duration_us"] / 1e6,
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
        data["non2xx"] + data["connect_errors"] + data["timeouts"],
        (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()


async def count_events(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()


async def truncate_events(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("TRUNCATE events")
    finally:
        await conn.close()


def wait_drained(url: str, expected: int, timeout: float = 120) -> tuple[int, float]:
    """Rows landed and the seconds it took after the load ended."""
    started = time.monotonic()
    last, last_change = -1, started
    while time.monotonic() - started < timeout:
        landed = asyncio.run(count_events(url))
        if landed >= expected:
            return landed, time.monotonic() - started
        if landed != last:
            last, last_change = landed, time.monotonic()
        elif time.monotonic() - last_change > 5:
            break
        time.sleep(0.1)
    return last, time.monotonic() - started


def bench_noop(batch: int, workers: int, args, postgres: int | None) -> Result:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "noop_server.py"), str(port), str(workers)], cwd=HERE.parent
    )
    try:
        wait_listening(port, "/api/events")
        with CpuMeter(server, postgres) as meter:
            load = run_wrk(port, "noop", batch, args)
    finally:
        server.terminate()
        server.wait(10)
    cpu, rss = meter.use, meter.peak_rss_mb
    cpu.loader = load.cpu_s
    rps = load.requests / load.seconds
    return Result(
        f"{batch} ev/req, {workers} worker(s)",
        "no-op ceiling",
        rps,
        rps * batch,
        load.p50_ms,
        load.p99_ms,
        rss["worker"],
        cpu_us=cpu.per_request_us(load.requests),
    )


def bench_peil(
    batch: int,
    workers: int,
    durability: str,
    args,
    env: dict[str, str],
    site: str,
    url: str,
    postgres: int | None,
) -> Result:
    asyncio.run(truncate_events(url))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "collector", "serve", "--workers", str(workers)],
        env={**env, "PEIL_PORT": str(port), "PEIL_DURABILITY": durability},
        cwd=HERE.parent,
    )
    try:
        wait_listening(port, "/healthz")
        # The drain is part of the cost: what the writer and PostgreSQL still
        # do for the load after wrk has stopped.
        with CpuMeter(server, postgres) as meter:
            load = run_wrk(port, site, batch, args)
            landed, drain_s = wait_drained(url, (load.requests - load.errors) * batch)
    finally:
        stop(server)
    cpu, rss = meter.use, meter.peak_rss_mb
    cpu.loader = load.cpu_s
    rps = load.requests / load.seconds
    return Result(
        f"{batch} ev/req, {workers} worker(s)",
        f"peil ({durability})",
        rps,
        landed / (load.seconds + drain_s),
        load.p50_ms,
        load.p99_ms,
        rss["worker"],
        landed,
        drain_s,
        cpu.per_request_us(load.requests),
        rss["jobs"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--batches", default="1,20")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument(
        "--durability",
        default="fsync",
        help="PEIL_DURABILITY values to run, comma-separated (fsync,memory compares them)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed; on Debian: apt-get install wrk")

    data_dir = Path(tempfile.mkdtemp(prefix="peil-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    env.update(
        PEIL_DATA_DIR=str(data_dir),
        PEIL_RATE_LIMIT="0",
        PEIL_LOG_LEVEL="WARNING",
    )
    embedded = None
    if os.environ.get("PEIL_DATABASE_URL"):
        env["PEIL_DATABASE_URL"] = os.environ["PEIL_DATABASE_URL"]
    else:
        # Hold the embedded server for the whole run; every `peil` borrows it.
        embedded = EmbeddedPostgres(data_dir / "postgres")
        embedded.start()
    try:
        site = add_site(env, "Bench")
        url = env.get("PEIL_DATABASE_URL") or _with_database(
            embedded.start(), "peil"
        )  # already running: returns its URL
        postgres = embedded.server_pid() if embedded is not None else None
        results = []
        for workers in map(int, args.workers.split(",")):
            for batch in map(int, args.batches.split(",")):
                for mode in ["ceiling", *args.durability.split(",")]:
                    if mode == "ceiling":
                        run = bench_noop(batch, workers, args, postgres)
                    else:
                        run = bench_peil(batch, workers, mode, args, env, site, url, postgres)
                    results.append(run)
                    print_result(run, file=sys.stderr)
        print_table(results)
    finally:
        if embedded is not None:
            embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def print_result(r: Result, file=sys.stdout) -> None:
    landed = "" if r.landed is None else f", {r.landed:,} rows landed (drained in {r.drain_s:.1f}s)"
    server, postgres, loader = r.cpu_us
    print(
        f"{r.scenario} [{r.server}]: {r.events_per_s:,.0f} events/s, "
        f"{r.requests_per_s:,.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, "
        f"RSS {r.rss_mb:.0f} MB (jobs {r.jobs_rss_mb:.0f} MB){landed}; CPU per request: "
        f"server {server:.0f} us, "
        f"PostgreSQL {postgres:.0f} us, wrk {loader:.0f} us",
        file=file,
        flush=True,
    )


def postgres_bound(peil: Result, ceiling: Result) -> str:
    """The ratio to the ceiling a collector costing no more than the no-op server could reach,
    given the CPU PostgreSQL itself spent per request in this run (see the module doc)."""
    noop = sum(ceiling.cpu_us)
    if not peil.cpu_us[1] or not noop:
        return "n/a"  # PostgreSQL not measured (PEIL_DATABASE_URL)
    return f"{noop / (noop + peil.cpu_us[1]):.2f}"


def half_ceiling_budget(peil: Result, ceiling: Result) -> float:
    """CPU per request the collector's processes may spend for half the ceiling's throughput:
    twice the no-op's whole cost per request, less what PostgreSQL and wrk spent in this run."""
    return 2 * sum(ceiling.cpu_us) - peil.cpu_us[1] - peil.cpu_us[2]


def print_table(results: list[Result]) -> None:
    print(
        "| scenario | server | events/s landed | requests/s | p50 ms | p99 ms | "
        "RSS/worker MB (jobs) | CPU us/request: server / PostgreSQL / wrk | vs ceiling "
        "| bound set by PostgreSQL |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    ceilings = {r.scenario: r for r in results if r.server == "no-op ceiling"}
    for r in results:
        ratio = bound = ""
        if r.server.startswith("peil"):
            ceiling = ceilings[r.scenario]
            ratio = f"{r.events_per_s / ceiling.events_per_s:.2f}"
            bound = postgres_bound(r, ceiling)
        cpu = " / ".join(f"{us:.0f}" for us in r.cpu_us)
        jobs = f" ({r.jobs_rss_mb:.0f})" if r.jobs_rss_mb else ""
        print(
            f"| {r.scenario} | {r.server} | {r.events_per_s:,.0f} | {r.requests_per_s:,.0f} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.rss_mb:.0f}{jobs} | {cpu} | {ratio} "
            f"| {bound} |"
        )
    print()
    for r in results:
        if r.server.startswith("peil") and r.cpu_us[1]:
            ceiling = ceilings[r.scenario]
            print(
                f"{r.scenario}, {r.server}: half the ceiling leaves the collector "
                f"{half_ceiling_budget(r, ceiling):.0f} us of CPU per request (it spent "
                f"{r.cpu_us[0]:.0f}; the no-op server alone spends {ceiling.cpu_us[0]:.0f})"
            )


if __name__ == "__main__":
    main()
