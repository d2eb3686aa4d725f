"""Purge benchmark: `peil purge` on big day partitions while ingest keeps running.

It fills day partitions with --rows rows each: --old-days days beyond the
retention (the purge drops them whole) and --site-days days within it, of
which half the rows belong to a site with a 30-day retention (the purge
deletes those row by row, in batches). Then it starts `peil serve`, sends a
steady load of POST /api/events (--rate requests per second, --batch events
each), runs `peil purge` in the middle of it, and compares the load while
the purge runs with the load before it:

- request latency p50/p99/max, measured from each request's scheduled send
  time (open loop), so a stall shows up in full instead of being hidden by
  a client that waits;
- failed requests (anything but 202, or no answer);
- the longest gap between two answered requests;
- the write lag: how old the newest stored event is, sampled every 50 ms,
  which shows a writer that cannot COPY even while handlers still answer;
- and at the end that every accepted event landed in PostgreSQL.

    python benchmarks/purge.py [--rows 1000000] [--rate 300] [--batch 20]

Uses the embedded PostgreSQL in a fresh temporary data dir unless
PEIL_DATABASE_URL is set (then it must be an empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import aiohttp
import asyncpg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.ingest import free_port, stop, wait_listening  # noqa: E402
from benchmarks.named_sql import named_query  # noqa: E402
from collector.db.connect import _with_database  # noqa: E402
from collector.db.embedded import EmbeddedPostgres  # noqa: E402
from collector.db.partitions import ensure_partitions  # noqa: E402

RETENTION_DAYS = 183
SHORT_RETENTION_DAYS = 30
ORIGIN = "https://www.bench.example"
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
LAG_SAMPLE_S = 0.05


@dataclass
class Sent:
    scheduled: float  # monotonic time the request was due
    answered: float  # monotonic time its answer (or failure) arrived
    status: int  # 0: no answer


@dataclass
class Phase:
    name: str
    requests: int
    failed: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    max_gap_ms: float
    max_lag_ms: float


def run_peil(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "collector", *argv],
        env=env,
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
    )


# Realistic row width: a page view of a Chrome user in the Netherlands.
FILL_SQL = named_query("purge.fill")


async def fill(url: str, args: argparse.Namespace, bench_id: int, short_id: int) -> dict:
    """Old days (whole site Bench) and recent days (half Bench, half Short)."""
    now = datetime.now(UTC)
    old = [now.date() - timedelta(days=RETENTION_DAYS + 7 + n) for n in range(args.old_days)]
    recent = [
        now.date() - timedelta(days=SHORT_RETENTION_DAYS + 10 + n) for n in range(args.site_days)
    ]
    conn = await asyncpg.connect(url)
    try:
        for day in old + recent:
            await ensure_partitions(conn, day, day)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            other = bench_id if day in old else short_id
            await conn.execute(FILL_SQL, start, 86400.0, args.rows, bench_id, other, ORIGIN)
            print(f"filled events_{day:%Y%m%d} with {args.rows:,} rows", file=sys.stderr)
        # Old partitions have long been vacuumed in real life; do not bill the
        # purge for setting hint bits on freshly inserted rows.
        await conn.execute("VACUUM (ANALYZE) events")
    finally:
        await conn.close()
    return {"old_days": len(old), "recent_days": len(recent)}


def body(site: str, batch: int, prefix: str) -> bytes:
    events = ",".join(
        f'{{"id":"{prefix}-{i}","t":"pageview","ts":{int(time.time() * 1000)}}}'
        for i in range(batch)
    )
    return (
        f'{{"site":"{site}","url":"{ORIGIN}/tour?id=7","ref":"https://www.google.com/",'
        f'"sw":1920,"sh":1080,"pv":"1","events":[{events}]}}'
    ).encode()


async def load(
    port: int, site: str, args: argparse.Namespace, stop_at: asyncio.Event
) -> list[Sent]:
    """Open-loop load: request n is due at start + n / rate, whatever came before."""
    sent: list[Sent] = []
    headers = {"Content-Type": "text/plain", "Origin": ORIGIN, "User-Agent": USER_AGENT}
    connector = aiohttp.TCPConnector(limit=args.connections)
    timeout = aiohttp.ClientTimeout(total=10)
    tasks: set[asyncio.Task] = set()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def one(n: int, due: float) -> None:
            status = 0
            try:
                async with session.post(
                    f"http://127.0.0.1:{port}/api/events",
                    data=body(site, args.batch, f"{os.getpid()}-{n}"),
                    headers=headers,
                ) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                pass
            sent.append(Sent(due, time.monotonic(), status))

        start, n = time.monotonic(), 0
        while not stop_at.is_set():
            due = start + n / args.rate
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            task = asyncio.create_task(one(n, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            n += 1
        await asyncio.gather(*tasks)
    return sent


async def sample_lag(url: str, site_id: int, stop_at: asyncio.Event) -> list[tuple[float, float]]:
    """(monotonic time, age in s of the newest stored event of the site)."""
    samples = []
    conn = await asyncpg.connect(url)
    try:
        while not stop_at.is_set():
            age = await conn.fetchval(
                "SELECT extract(epoch FROM clock_timestamp() - max(ts)) FROM events"
                " WHERE site_id = $1 AND ts > now() - interval '1 minute'",
                site_id,
            )
            if age is not None:
                samples.append((time.monotonic(), float(age)))
            await asyncio.sleep(LAG_SAMPLE_S)
    finally:
        await conn.close()
    return samples


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def phase(
    name: str, sent: list[Sent], lags: list[tuple[float, float]], start: float, end: float
) -> Phase:
    mine = sorted((s for s in sent if start <= s.scheduled < end), key=lambda s: s.answered)
    latencies = [(s.answered - s.scheduled) * 1000 for s in mine]
    answered = [s.answered for s in mine]
    gaps = [(b - a) * 1000 for a, b in pairwise(answered)]
    lag_ms = [age * 1000 for at, age in lags if start <= at < end]
    return Phase(
        name,
        len(mine),
        sum(1 for s in mine if s.status != 202),
        percentile(latencies, 50),
        percentile(latencies, 99),
        max(latencies, default=0.0),
        max(gaps, default=0.0),
        max(lag_ms, default=0.0),
    )


async def run_purge(env: dict[str, str]) -> tuple[float, float, str]:
    """Run `peil purge`; its start and end (monotonic) and its output."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "collector",
        "purge",
        env=env,
        cwd=HERE.parent,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    ended = time.monotonic()
    if process.returncode != 0:
        raise SystemExit(f"peil purge failed ({process.returncode}): {err.decode().strip()}")
    return started, ended, out.decode()


async def drive(env, url, port, sites, args) -> tuple[list[Phase], tuple[float, float, str], int]:
    stop_at = asyncio.Event()
    load_task = asyncio.create_task(load(port, sites["Bench"]["key"], args, stop_at))
    lag_task = asyncio.create_task(sample_lag(url, sites["Bench"]["id"], stop_at))
    await asyncio.sleep(args.warmup)
    baseline_start = time.monotonic()
    await asyncio.sleep(args.baseline)
    purge_start, purge_end, output = await run_purge(env)
    await asyncio.sleep(args.after)
    stop_at.set()
    sent, lags = await load_task, await lag_task
    phases = [
        phase("without purge", sent, lags, baseline_start, purge_start),
        phase("during purge", sent, lags, purge_start, purge_end),
    ]
    accepted = sum(1 for s in sent if s.status == 202) * args.batch
    return phases, (purge_start, purge_end, output), accepted


async def landed_today(url: str, site_id: int) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM events WHERE site_id = $1 AND ts > now() - interval '1 day'",
            site_id,
        )
    finally:
        await conn.close()


async def last_audit(url: str) -> dict:
    conn = await asyncpg.connect(url)
    try:
        detail = await conn.fetchval(
            "SELECT detail FROM audit_log WHERE action = 'purge' ORDER BY at DESC LIMIT 1"
        )
    finally:
        await conn.close()
    return json.loads(detail)


def wait_landed(url: str, site_id: int, expected: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while True:
        landed = asyncio.run(landed_today(url, site_id))
        if landed >= expected or time.monotonic() > deadline:
            return landed
        time.sleep(0.2)


def bench_environment(
    name: str, **settings: str
) -> tuple[Path, dict[str, str], int, str, EmbeddedPostgres | None]:
    """(data dir, environment, port, database URL, embedded server or None) of a
    benchmark's `peil serve`: a fresh data dir, no rate limit, no scheduled purge,
    PEIL_DATABASE_URL if set, else an embedded server held for the whole run
    (every `peil` command borrows it); `settings` added."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"peil-bench-{name}-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    port = free_port()
    env.update(
        PEIL_DATA_DIR=str(data_dir),
        PEIL_RATE_LIMIT="0",
        PEIL_LOG_LEVEL="WARNING",
        PEIL_PURGE_AT="off",
        PEIL_PORT=str(port),
        **settings,
    )
    embedded = None
    if os.environ.get("PEIL_DATABASE_URL"):
        env["PEIL_DATABASE_URL"] = url = os.environ["PEIL_DATABASE_URL"]
    else:
        embedded = EmbeddedPostgres(data_dir / "postgres")
        url = _with_database(embedded.start(), "peil")
    return data_dir, env, port, url, embedded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per generated day")
    parser.add_argument("--old-days", type=int, default=2, help="days beyond the retention")
    parser.add_argument("--site-days", type=int, default=2, help="days with rows of Short")
    parser.add_argument("--rate", type=float, default=300, help="requests per second")
    parser.add_argument("--batch", type=int, default=20, help="events per request")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load not measured")
    parser.add_argument("--baseline", type=float, default=10, help="seconds before the purge")
    parser.add_argument("--after", type=float, default=1, help="seconds of load after it")
    args = parser.parse_args()

    data_dir, env, port, url, embedded = bench_environment(
        "purge", PEIL_RETENTION_DAYS=str(RETENTION_DAYS)
    )
    server = None
    try:
        sites = {}
        for name, domain, extra in (
            ("Bench", "bench.example", []),
            ("Short", "short.example", ["--retention-days", str(SHORT_RETENTION_DAYS)]),
        ):
            key = run_peil(env, "sites", "add", name, "--domain", domain, *extra).stdout.split()[0]
            sites[name] = {"key": key}
        ids = asyncio.run(site_ids(url))
        for name in sites:
            sites[name]["id"] = ids[sites[name]["key"]]
        days = asyncio.run(fill(url, args, sites["Bench"]["id"], sites["Short"]["id"]))

        server = subprocess.Popen([sys.executable, "-m", "collector", "serve"], env=env)
        wait_listening(port, "/healthz")
        phases, (start, end, output), accepted = asyncio.run(drive(env, url, port, sites, args))
        landed = wait_landed(url, sites["Bench"]["id"], accepted)
        audit = asyncio.run(last_audit(url))
    finally:
        if server is not None:
            stop(server)
        if embedded is not None:
            embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    report(args, days, phases, end - start, output, audit, accepted, landed)


async def site_ids(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return dict(await conn.fetch("SELECT key, id FROM sites"))
    finally:
        await conn.close()


def report(args, days, phases, purge_s, output, audit, accepted, landed) -> None:
    deleted = sum(audit["rows_deleted"].values())
    dropped = sum(audit["partitions_dropped"].values())
    delete_s = audit["delete_seconds"]
    print("peil purge said:")
    print("".join(f"    {line}\n" for line in output.splitlines()), end="")
    print(
        f"data: {days['old_days']} days beyond the retention and {days['recent_days']} days"
        f" within it, {args.rows:,} rows each (half of the latter of a site kept"
        f" {SHORT_RETENTION_DAYS} days)"
    )
    print(
        f"load: {args.rate:,.0f} requests/s x {args.batch} events"
        f" = {args.rate * args.batch:,.0f} events/s, {args.connections} connections"
    )
    print(f"purge: {purge_s:.2f} s wall clock (including the `peil` process start)")
    print(
        f"  drop path: {len(audit['partitions_dropped'])} partitions,"
        f" {dropped:,} rows, {audit['drop_seconds']:.2f} s"
    )
    rate = deleted / delete_s if delete_s else 0.0
    print(f"  per-site path: {deleted:,} rows deleted in {delete_s:.2f} s = {rate:,.0f} rows/s")
    print()
    print(
        "| phase | requests | failed | p50 ms | p99 ms | max ms | max gap ms | max write lag ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for p in phases:
        print(
            f"| {p.name} | {p.requests:,} | {p.failed} | {p.p50_ms:.1f} | {p.p99_ms:.1f}"
            f" | {p.max_ms:.1f} | {p.max_gap_ms:.1f} | {p.max_lag_ms:.0f} |"
        )
    base, during = phases
    print()
    print(
        f"p99 during purge vs without: {during.p99_ms:.1f} ms vs {base.p99_ms:.1f} ms"
        f" ({during.p99_ms - base.p99_ms:+.1f} ms); max latency {during.max_ms:.1f} ms vs"
        f" {base.max_ms:.1f} ms; max write lag {during.max_lag_ms:.0f} ms vs"
        f" {base.max_lag_ms:.0f} ms (the writer flushes every 250 ms)"
    )
    print(
        f"failed requests during purge: {during.failed}; events accepted {accepted:,},"
        f" landed {landed:,}{' (none lost)' if landed == accepted else ' (MISSING ROWS)'}"
    )


if __name__ == "__main__":
    main()
