"""Rollup benchmark: sustained throughput and lag of the incremental rollup under load.

Fills today's partition with PREFILL rows of one site and folds them, then
for DURATION seconds COPYs rows into `events` at RATE rows/s (batches every
100 ms; visitors with fixed attributes live about five minutes; 1 % of the
rows carry a `ts` up to ten minutes back, as delayed batches do) while the
rollup job runs as in `peil serve`: a run, then INTERVAL seconds of sleep.
Meanwhile the aggregate answer (dashboard.stats.overview for today: events
per type) is read every 0.5 s; the lag at that moment is the age of the
oldest committed row not yet in it. At the end one more run must make the
answer equal to the rows inserted (nothing lost, nothing twice).

    python benchmarks/rollup.py [--rate 40000] [--duration 90] [--prefill 1000000]

Uses the embedded PostgreSQL in a fresh temporary data dir unless
PEIL_DATABASE_URL is set (then a new database on that server, dropped after).
Where a run's time goes, without load: benchmarks/rollup_steps.py.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import random
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from queries import GENERATE_DAY, bench_database  # noqa: E402

from collector.db.migrate import apply_migrations  # noqa: E402
from collector.db.partitions import ensure_partitions  # noqa: E402
from collector.rollup import job as rollup  # noqa: E402

TARGET_RATE = 40_000
TARGET_LAG_S = 60.0
VISITORS = 40_000  # alive at any moment
LIFETIME_S = 300
TEMPLATES = 100_000
COLUMNS = (
    "ts", "visitor", "site_id", "type", "seq", "path", "referrer", "country", "browser", "os",
    "device", "screen_w", "screen_h", "lang", "el", "src", "pos", "from_pos", "to_pos", "dur",
    "x", "y", "eng",
)  # fmt: skip


def templates(site_id: int, rng: random.Random) -> list[tuple]:
    """Rows without ts (and with a visitor slot instead of a hash)."""
    kinds = [(1, 35), (2, 27), (3, 12), (8, 4), (20, 5), (21, 4), (22, 5), (23, 2), (24, 1),
             (25, 1), (26, 4)]  # fmt: skip
    types = [t for t, w in kinds for _ in range(w)]
    slots = []
    for v in range(VISITORS):
        r = random.Random(v)
        slots.append(
            (
                r.choice([None, "www.google.com/", "duckduckgo.com/", "t.co/"]),
                r.choice(["NL", "DE", "BE", "US", "GB", "FR", None]),
                r.choice(["Chrome", "Firefox", "Safari", "Edge"]),
                r.choice(["Windows", "Mac OS X", "Android", "iOS", "Linux"]),
                r.randint(1, 3),
                r.choice([(1920, 1080), (390, 844), (1440, 900)]),
            )
        )
    out = []
    for _ in range(TEMPLATES):
        v = rng.randrange(VISITORS)
        referrer, country, browser, os_, device, (sw, sh) = slots[v]
        t = rng.choice(types)
        media = t >= 20
        a = rng.random() * 60
        b = a + rng.random() * 60
        out.append(
            (
                v,
                site_id,
                t,
                rng.randrange(20),
                f"/page/{int(rng.random() * rng.random() * 50)}",
                referrer,
                country,
                browser,
                os_,
                device,
                sw,
                sh,
                "nl",
                ("button#buy" if t == 3 else f"video#{'abc'[v % 3]}") if t == 3 or media else None,
                "https://cdn.example/v.mp4" if media else None,
                b if media else None,
                a if t in (22, 23, 24, 25, 26) else None,
                b if t in (23, 24) else None,
                120.0 if media else None,
                rng.random() if t == 3 else None,
                rng.randrange(3000) if t == 3 else None,
                rng.randrange(120000) if t == 2 else None,
            )
        )
    return out


class Rows:
    """The benchmark's rows: the templates in turn, each with `ts` = the moment
    of its batch (1 % of them up to ten minutes back) and a visitor hash that
    changes every LIFETIME_S seconds."""

    def __init__(self, site_id: int) -> None:
        rng = random.Random(7)
        self.templates = templates(site_id, rng)
        self.offsets = [
            timedelta(minutes=10 * rng.random()) if rng.random() < 0.01 else timedelta(0)
            for _ in range(TEMPLATES)
        ]
        self.at = 0

    def batch(self, n: int) -> list[tuple]:
        now = datetime.now(UTC)
        epoch = int(now.timestamp())
        batch = []
        for _ in range(n):
            v, *rest = self.templates[self.at]
            generation = (epoch + v * 7) // LIFETIME_S
            visitor = hash((v, generation)) & 0x7FFF_FFFF_FFFF_FFFF
            batch.append((now - self.offsets[self.at], visitor, *rest))
            self.at = (self.at + 1) % TEMPLATES
        return batch


class Inserter:
    """COPY at `rate` rows/s; remembers when each batch was committed."""

    def __init__(self, url: str, site_id: int, rate: int) -> None:
        self.url, self.rate = url, rate
        self.commits: list[float] = []  # monotonic commit times
        self.totals: list[int] = []  # rows committed up to and including that batch
        self.rows = 0
        self.source = Rows(site_id)
        self.stop = asyncio.Event()

    async def run(self) -> None:
        conn = await asyncpg.connect(self.url)
        started = time.monotonic()
        try:
            while not self.stop.is_set():
                due = int((time.monotonic() - started) * self.rate) - self.rows
                if due <= 0:
                    await asyncio.sleep(0.1)
                    continue
                batch = self.source.batch(min(due, 20_000))
                await conn.copy_records_to_table("events", records=batch, columns=COLUMNS)
                self.rows += len(batch)
                self.commits.append(time.monotonic())
                self.totals.append(self.rows)
        finally:
            await conn.close()

    def oldest_unseen(self, seen: int) -> float | None:
        """Commit time of the first batch holding a row beyond the first `seen`."""
        i = bisect.bisect_right(self.totals, seen)
        return self.commits[i] if i < len(self.commits) else None


async def folded_total(conn: asyncpg.Connection, site_id: int, day) -> int:
    from dashboard.stats.overview import overview

    try:
        from dashboard.stats.selection import Selection
    except ImportError:  # a tree before issue 16, for before/after runs
        answer = await overview(conn, site_id, day, day)
    else:
        answer = await overview(conn, Selection(site_id, "UTC", day, day), "day")
    return sum(answer["events"].values())


async def new_site(conn: asyncpg.Connection) -> int:
    """Schema, one site, and partitions for today and tomorrow; the site's id."""
    await apply_migrations(conn)
    site_id = await conn.fetchval(
        "INSERT INTO sites (key, name, domains) VALUES ($1, 'bench', '{bench.example}')"
        " RETURNING id",
        "bench" + secrets.token_hex(4),
    )
    today = datetime.now(UTC).date()
    await ensure_partitions(conn, today, today + timedelta(days=1))
    return site_id


async def main(args: argparse.Namespace, url: str) -> None:
    conn = await asyncpg.connect(url, command_timeout=3600)
    site_id = await new_site(conn)
    today = datetime.now(UTC).date()
    midnight = datetime.combine(today, datetime.min.time(), UTC)
    if args.prefill:
        started = time.perf_counter()
        span = datetime.now(UTC) - timedelta(minutes=11) - midnight
        await conn.execute(GENERATE_DAY, site_id, midnight, args.prefill, args.prefill // 20, span)
        await conn.execute("ANALYZE events")
        print(f"prefill: {args.prefill:,} rows today in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    report = await rollup.fold_new(conn)
    print(
        f"first run (opens today: rebuilt from its raw rows): {report.events:,} rows"
        f" in {time.perf_counter() - started:.1f} s"
    )
    base = await folded_total(conn, site_id, today)

    inserter = Inserter(url, site_id, args.rate)
    runs: list[tuple[float, int]] = []
    lags: list[float] = []
    stop = asyncio.Event()

    async def job() -> None:
        c = await asyncpg.connect(url, command_timeout=3600)
        try:
            while not stop.is_set():
                t0 = time.perf_counter()
                r = await rollup.fold_new(c)
                runs.append((time.perf_counter() - t0, r.events))
                print(f"  run: {r.events:>9,} rows in {runs[-1][0]:5.2f} s", flush=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), args.interval)
        finally:
            await c.close()

    async def sample() -> None:
        c = await asyncpg.connect(url)
        try:
            while not stop.is_set():
                seen = await folded_total(c, site_id, today) - base
                oldest = inserter.oldest_unseen(seen)
                if oldest is not None:
                    lags.append(time.monotonic() - oldest)
                await asyncio.sleep(0.5)
        finally:
            await c.close()

    tasks = [asyncio.create_task(t) for t in (inserter.run(), job(), sample())]
    t0 = time.monotonic()
    await asyncio.sleep(args.duration)
    inserter.stop.set()
    stop.set()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - t0
    final = await rollup.fold_new(conn)
    total = await folded_total(conn, site_id, today) - base
    raw = await conn.fetchval("SELECT count(*) FROM events WHERE site_id = $1", site_id)
    await conn.close()

    times = [t for t, _ in runs[1:]]  # the first run sees the rows of the first instant only
    rows = [n for _, n in runs[1:]]
    rate = inserter.rows / elapsed
    print(f"\ninserted {inserter.rows:,} rows in {elapsed:.0f} s = {rate:,.0f} rows/s"
          f" (target >= {TARGET_RATE:,})")  # fmt: skip
    print(f"rollup runs: {len(runs)} (every {args.interval:g} s after the previous one ends)")
    if times:
        throughput = sum(rows) / sum(times)
        print(f"  run time: median {statistics.median(times):.2f} s, max {max(times):.2f} s")
        print(f"  rows per run: median {statistics.median(rows):,.0f}")
        print(f"  fold throughput: {throughput:,.0f} rows/s of run time"
              f" ({throughput / rate:.1f}x the insert rate; must be > 1)")  # fmt: skip
    if lags:
        print(f"lag: median {statistics.median(lags):.1f} s, max {max(lags):.1f} s"
              f" (target < {TARGET_LAG_S:.0f} s)")  # fmt: skip
    print(f"after a last run ({final.events:,} rows): folded {total:,} of {inserter.rows:,}"
          f" inserted rows; all raw rows of the site {raw:,}"
          f" -> exactly once: {total == inserter.rows}")  # fmt: skip


def run() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=int, default=TARGET_RATE, help="rows/s COPYed (%(default)s)")
    parser.add_argument("--duration", type=float, default=90, help="seconds of load (%(default)s)")
    parser.add_argument(
        "--prefill", type=int, default=1_000_000, help="rows in today before (%(default)s)"
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=rollup.INTERVAL_S,
        help="seconds between the end of a run and the next (%(default)s, as `peil serve`)",
    )
    args = parser.parse_args()
    with bench_database("peil_bench_rollup") as url:
        asyncio.run(main(args, url))


if __name__ == "__main__":
    run()
