"""Forget benchmark: `peil forget` of one visitor's 100,000 rows while ingest goes on.

It fills --days day partitions with --background cookieless rows each and
spreads --rows rows of one consent-mode visitor (uid) over them, starts
`peil serve`, sends a steady open-loop load of POST /api/events (--rate
requests per second, --batch events each, as in benchmarks/purge.py), runs
`peil forget --uid` in the middle of it, and compares the ingest answers
while the forget runs with the ones before it, in the same run: latency
p50/p99/max from each request's scheduled send time, failures, the longest
gap between answers and the write lag. At the end it checks that the
visitor has no row left, every other row is still there and every accepted
event landed.

    python benchmarks/forget.py [--rows 100000] [--rate 300] [--batch 20]

Uses the embedded PostgreSQL in a fresh temporary data dir unless
PEIL_DATABASE_URL is set (then it must be an empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.ingest import stop, wait_listening  # noqa: E402
from benchmarks.named_sql import named_query  # noqa: E402
from benchmarks.purge import (  # noqa: E402
    ORIGIN,
    Phase,
    bench_environment,
    load,
    phase,
    run_peil,
    sample_lag,
)
from collector.db.partitions import ensure_partitions  # noqa: E402

UID = "benchforgetuid01"

# A page view of a Chrome user in the Netherlands; $7 the uid (NULL: cookieless).
FILL_SQL = named_query("forget.fill")


async def fill(url: str, args: argparse.Namespace, site_id: int) -> int:
    """Past days of cookieless rows with the visitor's rows spread over them; rows in all."""
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in range(1, args.days + 1)]
    conn = await asyncpg.connect(url)
    try:
        for day in days:
            await ensure_partitions(conn, day, day)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            mine = args.rows // len(days)
            await conn.execute(
                FILL_SQL, start, 86400.0, args.background, site_id, ORIGIN, "b", None
            )
            await conn.execute(FILL_SQL, start, 86400.0, mine, site_id, ORIGIN, f"u{day}-", UID)
            print(
                f"filled events_{day:%Y%m%d}: {args.background:,} + {mine:,} rows", file=sys.stderr
            )
        await conn.execute("VACUUM (ANALYZE) events")
        return await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()


async def run_forget(env: dict[str, str]) -> tuple[float, float, str]:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "collector", "forget", "--uid", UID,
        env=env, cwd=HERE.parent, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    ended = time.monotonic()
    if process.returncode != 0:
        raise SystemExit(f"peil forget failed ({process.returncode}): {err.decode().strip()}")
    return started, ended, out.decode()


async def drive(env, url, port, site, args) -> tuple[list[Phase], float, str, int]:
    stop_at = asyncio.Event()
    load_task = asyncio.create_task(load(port, site["key"], args, stop_at))
    lag_task = asyncio.create_task(sample_lag(url, site["id"], stop_at))
    await asyncio.sleep(args.warmup)
    baseline_start = time.monotonic()
    await asyncio.sleep(args.baseline)
    start, end, output = await run_forget(env)
    await asyncio.sleep(args.after)
    stop_at.set()
    sent, lags = await load_task, await lag_task
    phases = [
        phase("without forget", sent, lags, baseline_start, start),
        phase("during forget", sent, lags, start, end),
    ]
    accepted = sum(1 for s in sent if s.status == 202) * args.batch
    return phases, end - start, output, accepted


async def counts(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    try:
        left = await conn.fetchval("SELECT count(*) FROM events WHERE uid = $1", UID)
        return left, await conn.fetchval("SELECT count(*) FROM events")
    finally:
        await conn.close()


def wait_landed(url: str, expected_total: int, timeout: float = 60) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while True:
        left, total = asyncio.run(counts(url))
        if total >= expected_total or time.monotonic() > deadline:
            return left, total
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the forgotten visitor")
    parser.add_argument("--days", type=int, default=10, help="day partitions they spread over")
    parser.add_argument("--background", type=int, default=100_000, help="other rows per day")
    parser.add_argument("--rate", type=float, default=300, help="requests per second")
    parser.add_argument("--batch", type=int, default=20, help="events per request")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2, help="seconds of load not measured")
    parser.add_argument("--baseline", type=float, default=10, help="seconds before the forget")
    parser.add_argument("--after", type=float, default=1, help="seconds of load after it")
    args = parser.parse_args()

    data_dir, env, port, url, embedded = bench_environment("forget")
    server = None
    try:
        key = run_peil(env, "sites", "add", "Bench", "--domain", "bench.example").stdout.split()[0]
        site = {"key": key, "id": asyncio.run(site_id(url, key))}
        before = asyncio.run(fill(url, args, site["id"]))
        server = subprocess.Popen([sys.executable, "-m", "collector", "serve"], env=env)
        wait_listening(port, "/healthz")
        phases, seconds, output, accepted = asyncio.run(drive(env, url, port, site, args))
        left, total = wait_landed(url, before - args.rows + accepted)
    finally:
        if server is not None:
            stop(server)
        if embedded is not None:
            embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    report(args, phases, seconds, output, before, accepted, left, total)


async def site_id(url: str, key: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT id FROM sites WHERE key = $1", key)
    finally:
        await conn.close()


def report(args, phases, seconds, output, before, accepted, left, total) -> None:
    print("peil forget said:")
    print("".join(f"    {line}\n" for line in output.splitlines()), end="")
    print(
        f"data: {args.rows:,} rows of one uid over {args.days} days among"
        f" {args.background:,} other rows a day ({before:,} rows in all)"
    )
    print(
        f"load: {args.rate:,.0f} requests/s x {args.batch} events"
        f" = {args.rate * args.batch:,.0f} events/s, {args.connections} connections"
    )
    print(f"forget: {seconds:.2f} s wall clock (including the `peil` process start)")
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
    expected = before - args.rows + accepted
    verdict = (
        "every other row kept, every accepted event landed" if total == expected else "MISMATCH"
    )
    print()
    print(f"rows of the uid left: {left}; rows now {total:,}, expected {expected:,} ({verdict})")


if __name__ == "__main__":
    main()
