"""Floor of a compact fact table: what the narrowest row store would take for a filtered report.

Issue 16 asks a filtered report for p95 < 300 ms (one filter) on 10 million
events over 30 days, and suggests "a compact fact table of dictionary ids"
as one way there. Peil's reports read the raw events (and their visits) for
a filter; their floor is measured by benchmarks/analytics_queries.py (a
page filter reads the 3.2 GB heap). This benchmark measures the design the
issue names instead, without building it: EVENTS rows of ids only
(benchmarks/sql/fact_floor.table.sql, 80 bytes a row with the tuple header),
filled with the analytics benchmark's cardinalities, vacuumed and analyzed,
all in memory. Then, REPEAT times after a warm-up, the core of a report
filtered by a page set matching 23 % of the rows (as `page~/blog` does in
the analytics benchmark):

- count: count the matching rows (nothing grouped: the floor);
- overview: their pageviews and distinct visitor-days;
- breakdown: the top 10 countries by visitor-days among them.

It prints p50/p95 of each against the one-filter target, with PostgreSQL's
parallel workers as configured (a 2-core machine: 2 per query).

    python benchmarks/fact_floor.py [--events 10000000] [--days 30] [--repeat 10]

Uses the embedded PostgreSQL in a fresh temporary data dir unless
PEIL_DATABASE_URL is set (then a new database on that server, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from pathlib import Path

import asyncpg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from named_sql import named_query  # noqa: E402
from queries import bench_database, timed  # noqa: E402

TARGET_MS = 300  # issue 16: one filter, p95
WORK_MEM = "64MB"  # dashboard/stats/selection.py
CHUNK = 1_000_000
# The page ids of the filter: page 5 and every third page from 20 on, about
# 23 % of the rows of the fill's Zipf-like pages.
BLOG_PAGES = [5, *range(21, 2000, 3)]
QUERIES = ("count", "overview", "breakdown")


async def fill(conn: asyncpg.Connection, events: int, days: int) -> None:
    await conn.execute(named_query("fact_floor.table"))
    started = time.perf_counter()
    for done in range(0, events, CHUNK):
        await conn.execute(named_query("fact_floor.fill"), min(CHUNK, events - done), days, done)
        print(f"\r  filled {min(done + CHUNK, events):,} of {events:,} rows", end="", flush=True)
    await conn.execute("VACUUM ANALYZE fact_events")
    size = await conn.fetchval("SELECT pg_table_size('fact_events')")
    print(
        f"\r  {events:,} rows in {time.perf_counter() - started:.0f} s;"
        f" {size / 2**20:,.0f} MB, {size / events:.0f} bytes a row"
    )


async def measure(conn: asyncpg.Connection, repeat: int) -> None:
    # As the stats API runs its statements (dashboard/stats/selection.py).
    await conn.execute(f"SET work_mem = '{WORK_MEM}'; SET plan_cache_mode = force_custom_plan")
    workers = await conn.fetchval("SHOW max_parallel_workers_per_gather")
    share = await conn.fetchval(named_query("fact_floor.share"), BLOG_PAGES)
    print(f"\npage filter: {share:.1%} of the rows; parallel workers per query: {workers}")
    print(f"{'query':<10} {'p50 ms':>9} {'p95 ms':>9}   target p95 < {TARGET_MS} ms")
    for name in QUERIES:
        sql = named_query(f"fact_floor.{name}")
        # One warm-up: the table in shared buffers or the OS cache.
        p50, p95 = await timed(functools.partial(conn.fetch, sql, BLOG_PAGES), repeat)
        verdict = "PASS" if p95 < TARGET_MS else "MISS"
        print(f"{name:<10} {p50:>9.1f} {p95:>9.1f}   {verdict}")


async def main(args: argparse.Namespace, url: str) -> None:
    conn = await asyncpg.connect(url, command_timeout=3600)
    try:
        await fill(conn, args.events, args.days)
        await measure(conn, args.repeat)
    finally:
        await conn.close()


def run() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=10_000_000, help="rows (%(default)s)")
    parser.add_argument("--days", type=int, default=30, help="days they span (%(default)s)")
    parser.add_argument("--repeat", type=int, default=10, help="runs per query (%(default)s)")
    args = parser.parse_args()
    with bench_database("peil_bench_fact_floor") as url:
        asyncio.run(main(args, url))


if __name__ == "__main__":
    run()
