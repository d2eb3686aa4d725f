"""Query benchmark: the stats API over rollups vs. the same answers from raw events.

Generates EVENTS events over DAYS days for one big site (90 %) and ten small
ones directly with INSERT ... SELECT generate_series, folds them with the
rollup job (full-refold throughput, then one incremental run over a day's
worth of new events; sustained load and lag: benchmarks/rollup.py), then
measures p50/p95 latency of every endpoint over HTTP for 1-, 30- and 90-day
ranges, and of the same answers computed from raw events in SQL (checked to
agree).

    python benchmarks/queries.py [--events 10000000] [--days 90] [--repeat 20]

Uses the embedded PostgreSQL in a fresh temporary data dir unless
PEIL_DATABASE_URL is set (then a new database on that server, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
from aiohttp import web

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from collector.accounts.passwords import hash_password  # noqa: E402
from collector.accounts.tokens import create_token  # noqa: E402
from collector.accounts.users import add_user  # noqa: E402
from collector.app import make_app  # noqa: E402
from collector.config import load_settings  # noqa: E402
from collector.db.connect import _with_database  # noqa: E402
from collector.db.embedded import EmbeddedPostgres  # noqa: E402
from collector.db.migrate import apply_migrations  # noqa: E402
from collector.db.partitions import ensure_partitions  # noqa: E402
from collector.rollup.days import day_bounds  # noqa: E402
from collector.rollup.job import fold_new  # noqa: E402
from collector.rollup.media_plays import MEDIA_CODES, MediaEvent, summarize  # noqa: E402

SMALL_SITES = 10
BIG_SHARE = 0.9

# One day of events for one site: types by share, a few pages, referrers,
# countries, devices, three videos. $1 site, $2 start, $3 count, $4 visitors, $5 span.
GENERATE_DAY = """
INSERT INTO events (ts, visitor, site_id, type, seq, path, referrer, country, browser, os,
                    device, screen_w, screen_h, lang, el, src, pos, from_pos, to_pos, dur,
                    x, y, eng, depth)
SELECT $2::timestamptz + (g::float8 / $3) * $5::interval,
       hashint8(floor(random() * $4)::bigint + extract(epoch FROM $2::timestamptz)::bigint),
       $1, t.type, 0,
       '/page/' || floor(random() * random() * 50)::int,
       (ARRAY[NULL, 'www.google.com/', 'duckduckgo.com/', 't.co/', 'news.example/'])
           [1 + floor(random() * 5)::int],
       (ARRAY['NL', 'DE', 'BE', 'US', 'GB', 'FR', NULL])[1 + floor(random() * 7)::int],
       (ARRAY['Chrome', 'Firefox', 'Safari', 'Edge'])[1 + floor(random() * 4)::int],
       (ARRAY['Windows', 'Mac OS X', 'Android', 'iOS', 'Linux'])[1 + floor(random() * 5)::int],
       1 + floor(random() * 3)::int, 1920, 1080, 'nl',
       CASE WHEN t.type IN (3, 20, 21, 22, 23, 24, 25, 26)
            THEN (ARRAY['video#a', 'video#b', 'video#c', 'button#buy'])
                 [CASE WHEN t.type = 3 THEN 4 ELSE 1 + floor(random() * 3)::int END] END,
       CASE WHEN t.type >= 20 THEN 'https://cdn.example/v.mp4' END,
       CASE WHEN t.type >= 20 THEN p.b END,
       CASE WHEN t.type IN (22, 23, 24, 25, 26) THEN p.a END,
       CASE WHEN t.type IN (23, 24) THEN p.b END,
       CASE WHEN t.type >= 20 THEN 120.0 END,
       CASE WHEN t.type = 3 THEN random() END,
       CASE WHEN t.type = 3 THEN floor(random() * 3000)::int END,
       CASE WHEN t.type = 2 THEN floor(random() * 120000)::int END,
       CASE WHEN t.type = 2 THEN floor(random() * 100)::int END
FROM generate_series(1, $3) g
CROSS JOIN LATERAL (SELECT CASE
    WHEN r < 0.35 THEN 1 WHEN r < 0.62 THEN 2 WHEN r < 0.74 THEN 3 WHEN r < 0.78 THEN 8
    WHEN r < 0.83 THEN 20 WHEN r < 0.87 THEN 21 WHEN r < 0.92 THEN 22 WHEN r < 0.94 THEN 23
    WHEN r < 0.95 THEN 24 WHEN r < 0.96 THEN 25 ELSE 26 END::smallint AS type
    FROM (SELECT random() + g * 0 AS r) x) t
CROSS JOIN LATERAL (SELECT a, a + random() * 60 AS b
    FROM (SELECT random() * 60 + g * 0 AS a) y) p
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(
    work: Callable[[], Awaitable[object]], repeat: int, warmup: int = 1
) -> tuple[float, float]:
    """p50 and p95 in milliseconds of `repeat` runs (after `warmup` runs)."""
    for _ in range(warmup):
        await work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


async def generate(conn: asyncpg.Connection, events: int, days: int, first: date) -> list[int]:
    """Sites (big one first) with `events` events over `days` days ending yesterday."""
    sites = []
    for i in range(1 + SMALL_SITES):
        sites.append(
            await conn.fetchval(
                "INSERT INTO sites (key, name, domains) VALUES ($1, $2, $3) RETURNING id",
                f"bench{i}{secrets.token_hex(3)}",
                f"bench {i}",
                [f"site{i}.example"],
            )
        )
    await ensure_partitions(conn, first, first + timedelta(days=days + 1))
    per_day_big = int(events * BIG_SHARE / days)
    per_day_small = int(events * (1 - BIG_SHARE) / days / SMALL_SITES)
    for d in range(days):
        start = datetime.combine(first + timedelta(days=d), datetime.min.time(), UTC)
        for site, n in zip(sites, [per_day_big] + [per_day_small] * SMALL_SITES, strict=True):
            await conn.execute(GENERATE_DAY, site, start, n, max(10, n // 4), timedelta(days=1))
        if sys.stderr.isatty():
            print(f"\rgenerating: day {d + 1}/{days}", end="", file=sys.stderr, flush=True)
    await conn.execute("ANALYZE events")
    return sites


# The same answers from raw events, for comparison.
async def overview_raw(conn, site, first, last):
    lo, hi = day_bounds(first, "UTC")[0], day_bounds(last, "UTC")[1]
    return await conn.fetchrow(
        """WITH ev AS (SELECT ts, seq, visitor, type, (ts AT TIME ZONE 'UTC')::date AS day
                       FROM events WHERE site_id = $1 AND ts >= $2 AND ts < $3),
           daily AS (SELECT day, count(*) FILTER (WHERE type = 1) AS pv,
                            count(DISTINCT visitor) AS visitors FROM ev GROUP BY day),
           gaps AS (SELECT day, visitor, CASE WHEN ts - lag(ts) OVER w < interval '30 min'
                                         THEN 0 ELSE 1 END AS starts
                    FROM ev WINDOW w AS (PARTITION BY day, visitor ORDER BY ts, seq))
           SELECT (SELECT sum(pv) FROM daily) AS pageviews,
                  (SELECT sum(visitors) FROM daily) AS visitors,
                  (SELECT sum(starts) FROM gaps) AS visits""",
        site,
        lo,
        hi,
    )


async def breakdown_raw(conn, site, first, last):
    lo, hi = day_bounds(first, "UTC")[0], day_bounds(last, "UTC")[1]
    return await conn.fetch(
        """SELECT path, sum(v) AS visitors, sum(n) AS pageviews FROM (
               SELECT (ts AT TIME ZONE 'UTC')::date, path, count(DISTINCT visitor) AS v,
                      count(*) AS n
               FROM events WHERE site_id = $1 AND ts >= $2 AND ts < $3 AND type = 1
               GROUP BY 1, 2) d GROUP BY path ORDER BY 2 DESC LIMIT 10""",
        site,
        lo,
        hi,
    )


async def clicks_raw(conn, site, first, last):
    lo, hi = day_bounds(first, "UTC")[0], day_bounds(last, "UTC")[1]
    return await conn.fetch(
        """SELECT floor(x * 100), floor(y / 10.0), count(*) FROM events
           WHERE site_id = $1 AND ts >= $2 AND ts < $3 AND type = 3 AND path = '/page/0'
           GROUP BY 1, 2""",
        site,
        lo,
        hi,
    )


async def media_raw(conn, site, first, last):
    day, out = first, []
    while day <= last:
        lo, hi = day_bounds(day, "UTC")
        rows = await conn.fetch(
            """SELECT visitor, el, coalesce(src, ''), type, pos, from_pos, to_pos, dur
               FROM events WHERE site_id = $1 AND ts >= $2 AND ts < $3 AND el IS NOT NULL
                 AND type = ANY($4::smallint[]) ORDER BY visitor, el, 3, ts, seq""",
            site,
            lo,
            hi,
            list(MEDIA_CODES),
        )
        out.append(summarize(MediaEvent(*r) for r in rows))
        day += timedelta(days=1)
    return out


RAW = {
    "overview": overview_raw,
    "breakdown": breakdown_raw,
    "media": media_raw,
    "clicks": clicks_raw,
}
ENDPOINTS = {
    "overview": ("/api/stats/overview", {}),
    "breakdown": ("/api/stats/breakdown", {"by": "page"}),
    "media": ("/api/stats/media", {}),
    "clicks": ("/api/stats/clicks", {"url": "/page/0"}),
    "realtime": ("/api/stats/realtime", {}),
}


@contextlib.asynccontextmanager
async def stats_client(database_url: str) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """The real app on a free local port (no jobs, no purge), and an HTTP
    session that sends an admin's Bearer token: (session, base URL)."""
    data_dir = tempfile.TemporaryDirectory()
    settings = load_settings({"PEIL_DATA_DIR": data_dir.name, "PEIL_PURGE_AT": "off"})
    runner = web.AppRunner(make_app(settings, database_url, run_jobs=False))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        conn = await asyncpg.connect(database_url)
        try:
            email = f"bench-{secrets.token_hex(3)}@example.nl"
            await add_user(conn, email, hash_password("x" * 12), "admin", actor="bench")
            _, token = await create_token(conn, email, "bench", actor="bench")
        finally:
            await conn.close()
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            yield http, base
    finally:
        await runner.cleanup()
        data_dir.cleanup()


async def measure_api(database_url, key, site, last, repeat) -> None:
    conn = await asyncpg.connect(database_url)
    columns = ("api p50", "api p95", "raw p50", "raw p95")
    print(f"\n{'endpoint':<10} {'days':>4} " + " ".join(f"{c:>9}" for c in columns))
    async with stats_client(database_url) as (http, base):
        for name, (path, extra) in ENDPOINTS.items():
            for days in (1, 30, 90):
                first = last - timedelta(days=days - 1)
                query = {"site": key, "from": first.isoformat(), "to": last.isoformat(), **extra}
                if name == "realtime":
                    query = {"site": key}

                async def call(path=path, query=query):
                    async with http.get(base + path, params=query) as response:
                        assert response.status == 200, await response.text()
                        await response.read()

                api = await timed(call, repeat)
                raw = ("", "")
                if name in RAW:
                    work = RAW[name]
                    p50, p95 = await timed(lambda w=work, f=first: w(conn, site, f, last), 3)
                    raw = (f"{p50:.1f}", f"{p95:.1f}")
                print(f"{name:<10} {days:>4} {api[0]:>9.1f} {api[1]:>9.1f} {raw[0]:>9} {raw[1]:>9}")
                if name == "realtime":
                    break
    await conn.close()


async def check_agreement(conn, site, key, first, last) -> None:
    from dashboard.stats.overview import overview

    api = await overview(conn, site, first, last)
    raw = await overview_raw(conn, site, first, last)
    same = (api["pageviews"], api["visitors"], api["visits"]) == tuple(raw)
    print(f"overview over rollups == from raw events: {same}")


async def main(args: argparse.Namespace, database_url: str) -> None:
    conn = await asyncpg.connect(database_url, command_timeout=3600)
    await apply_migrations(conn)
    last = datetime.now(UTC).date() - timedelta(days=1)
    first = last - timedelta(days=args.days - 1)
    started = time.perf_counter()
    sites = await generate(conn, args.events, args.days, first)
    total = await conn.fetchval("SELECT count(*) FROM events")
    print(f"generated {total:,} events in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    report = await fold_new(conn)
    seconds = time.perf_counter() - started
    print(
        f"full rollup: {report.events:,} events, {report.days} site-days in {seconds:.1f} s"
        f" = {report.events / seconds:,.0f} events/s"
    )
    # A day's worth of the big site's traffic received in the last ten minutes:
    # the next run folds only these new rows (today is opened first: rebuilt
    # from what it holds). Sustained load: benchmarks/rollup.py.
    recent = await conn.fetchval("SELECT now() - interval '10 minutes'")
    await ensure_partitions(conn, recent.date(), recent.date() + timedelta(days=1))
    per_day = int(args.events * BIG_SHARE / args.days)
    span = timedelta(minutes=10)
    await conn.execute(GENERATE_DAY, sites[0], recent, per_day, max(10, per_day // 4), span)
    started = time.perf_counter()
    report = await fold_new(conn)
    seconds = time.perf_counter() - started
    print(
        f"incremental run ({per_day:,} new events of the big site): "
        f"{report.events:,} rows, {report.days} site-days in {seconds:.2f} s"
    )
    key = await conn.fetchval("SELECT key FROM sites WHERE id = $1", sites[0])
    await check_agreement(conn, sites[0], key, first, last)
    await conn.close()
    await measure_api(database_url, key, sites[0], last, args.repeat)


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with bench_database("peil_bench_queries") as url:
        asyncio.run(main(args, url))


@contextlib.contextmanager
def bench_database(prefix: str) -> Iterator[str]:
    """The URL of an empty database: a new one named PREFIX_<random> on the
    server of PEIL_DATABASE_URL (dropped after) when it is set, else one on
    an embedded PostgreSQL in a fresh temporary data dir (removed after)."""
    url = os.environ.get("PEIL_DATABASE_URL")
    if url:
        name = f"{prefix}_{secrets.token_hex(3)}"
        asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
        try:
            yield _with_database(url, name)
        finally:
            asyncio.run(_admin(url, f'DROP DATABASE "{name}" WITH (FORCE)'))
        return
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedPostgres(Path(tmp) / "postgres")
        admin = server.start()
        try:
            asyncio.run(_admin(admin, 'CREATE DATABASE "bench"'))
            yield _with_database(admin, "bench")
        finally:
            server.stop()


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


if __name__ == "__main__":
    run()
