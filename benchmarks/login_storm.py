"""Login storm benchmark: does collection keep answering while /login is hammered?

One `peil serve` worker (PEIL_DURABILITY=fsync, no ingest rate limit) on its
own embedded PostgreSQL in a fresh temporary data dir, with one site and one
user. Alternating phases in one run, `--rounds` times: quiet (no logins),
then storm (`--clients` concurrent clients posting wrong passwords to
`POST /login` as fast as they are answered). During every phase two probes
post one-event batches to `POST /api/events` back to back and one probe
reads `/healthz` every 50 ms; printed: p50 / p99 / max latency of each,
quiet against storm, and the target (ingest p99 under 50 ms in the storm).

The storm runs in a process of its own (its client work does not delay the
probes). Each login is what a browser sends: GET /login first, the CSRF
token from `<meta name="csrf-token" content=...>` (when the page has one,
as since issue 14) with its cookie, then the form with email, password and
csrf. Half the attempts are for the existing user, half for a new unknown
email each, so the per-account throttle (5 failures) cannot stop most of
them; every request leaves from a loopback address of its own /24
(127.a.b.1, a new a.b each time), so neither can the per-address one (20
failures per /24). Counted per answer: 401 (the password was hashed and
checked), 429 (throttled), 503 (the hashing queue was full), other.

    python benchmarks/login_storm.py [--rounds 3] [--phase 8] [--clients 16]

Run it in the tree to measure (it starts that tree's `peil`): for a before
and after, the same file in a checkout of each commit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import ingest as bench  # noqa: E402

from collector.db.embedded import EmbeddedPostgres  # noqa: E402

PEIL = [sys.executable, "-m", "collector"]
EMAIL = "storm@bench.example"
PASSWORD = "the right password, not sent"
ORIGIN = "https://www.bench.example"
UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
TARGET_P99_MS = 50
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values), 1) if values else None,
        "p99_ms": round(percentile(values, 0.99), 1) if values else None,
        "max_ms": round(max(values), 1) if values else None,
    }


# --- the storm (a process of its own) ---


def source_address(n: int) -> str:
    """A loopback address in a /24 of its own for the n-th request."""
    n %= 65536
    return f"127.{1 + n // 256 % 255}.{n % 256}.1"


async def one_login(base: str, n: int, counts: Counter) -> None:
    connector = aiohttp.TCPConnector(local_addr=(source_address(n), 0), force_close=True)
    jar = aiohttp.CookieJar(unsafe=True)  # keep cookies for 127.0.0.1
    email = EMAIL if n % 2 == 0 else f"{uuid.uuid4().hex[:12]}@unknown.example"
    try:
        async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as http:
            async with http.get(f"{base}/login") as page:
                found = _CSRF.search(await page.text())
            form = {"email": email, "password": f"wrong {n}"}
            if found:
                form["csrf"] = found[1]
            async with http.post(f"{base}/login", data=form, allow_redirects=False) as answer:
                await answer.read()
                counts[answer.status] += 1
    except (TimeoutError, aiohttp.ClientError, OSError):
        counts["failed"] += 1


async def storm_loop(base: str, clients: int, seconds: float, first: int) -> Counter:
    counts: Counter = Counter()
    deadline = time.monotonic() + seconds
    serial = iter(range(first, first + 10**9))

    async def client() -> None:
        while time.monotonic() < deadline:
            await one_login(base, next(serial), counts)

    await asyncio.gather(*(client() for _ in range(clients)))
    return counts


def storm_process(base: str, clients: int, seconds: float, first: int, out) -> None:
    out.put(dict(asyncio.run(storm_loop(base, clients, seconds, first))))


# --- the probes (this process) ---


def event_body(site: str) -> bytes:
    event = {"id": uuid.uuid4().hex[:16], "t": "pageview", "ts": int(time.time() * 1000)}
    return json.dumps(
        {"site": site, "url": f"{ORIGIN}/storm", "ref": None, "events": [event]}
    ).encode()


async def probe_ingest(http, base: str, site: str, until: float, out: list, bad: Counter) -> None:
    headers = {"Content-Type": "text/plain", "Origin": ORIGIN, "User-Agent": UA}
    while time.monotonic() < until:
        started = time.perf_counter()
        async with http.post(f"{base}/api/events", data=event_body(site), headers=headers) as r:
            await r.read()
            if r.status != 202:
                bad[r.status] += 1
        out.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.005)


async def probe_health(http, base: str, until: float, out: list) -> None:
    while time.monotonic() < until:
        started = time.perf_counter()
        async with http.get(f"{base}/healthz") as r:
            await r.read()
        out.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.05)


async def probe(base: str, site: str, seconds: float) -> dict:
    ingest_ms: list[float] = []
    health_ms: list[float] = []
    not_202: Counter = Counter()
    until = time.monotonic() + seconds
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        await asyncio.gather(
            probe_ingest(http, base, site, until, ingest_ms, not_202),
            probe_ingest(http, base, site, until, ingest_ms, not_202),
            probe_health(http, base, until, health_ms),
        )
    return {"ingest": ingest_ms, "healthz": health_ms, "ingest_not_202": dict(not_202)}


def phase(base: str, site: str, seconds: float, clients: int, first: int) -> dict:
    storm = None
    if clients:
        out = multiprocessing.get_context("spawn").Queue()
        storm = multiprocessing.get_context("spawn").Process(
            target=storm_process, args=(base, clients, seconds, first, out)
        )
        storm.start()
        time.sleep(1.0)  # the storm's interpreter starts and gets going
    measured = asyncio.run(probe(base, site, seconds - 1.0 if clients else seconds))
    if storm is not None:
        measured["logins"] = out.get(timeout=120)
        storm.join(30)
    return measured


def add_user(env: dict[str, str]) -> None:
    subprocess.run(
        [*PEIL, "users", "add", EMAIL, "--password-stdin"],
        env=env,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
    )


def report(name: str, phases: list[dict]) -> dict:
    ingest = [ms for p in phases for ms in p["ingest"]]
    health = [ms for p in phases for ms in p["healthz"]]
    logins: Counter = Counter()
    not_202: Counter = Counter()
    for p in phases:
        logins.update({str(k): v for k, v in p.get("logins", {}).items()})
        not_202.update(p["ingest_not_202"])
    figures = {
        "phase": name,
        "ingest": summary(ingest),
        "healthz": summary(health),
        "ingest_not_202": dict(not_202),
    }
    line = (
        f"{name:>5}: ingest p50 {figures['ingest']['p50_ms']} ms, p99 {figures['ingest']['p99_ms']}"
        f" ms, max {figures['ingest']['max_ms']} ms ({len(ingest):,} requests);"
        f" /healthz p50 {figures['healthz']['p50_ms']} ms, max {figures['healthz']['max_ms']} ms"
    )
    if logins:
        total = sum(logins.values())
        figures["logins"] = dict(logins)
        figures["logins_per_s"] = round(total / sum(p["seconds"] for p in phases), 1)
        line += (
            f"; logins: {total:,} ({figures['logins_per_s']}/s): hashed (401) {logins['401']:,},"
            f" throttled (429) {logins['429']:,}, busy (503) {logins['503']:,},"
            f" other {total - logins['401'] - logins['429'] - logins['503']:,}"
        )
    print(line, file=sys.stderr, flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="quiet + storm pairs")
    parser.add_argument("--phase", type=float, default=8.0, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=16, help="concurrent /login clients")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="peil-login-storm-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    env.update(PEIL_DATA_DIR=str(data_dir), PEIL_RATE_LIMIT="0", PEIL_LOG_LEVEL="ERROR")
    embedded = EmbeddedPostgres(data_dir / "postgres")
    embedded.start()  # held for the whole run; every `peil` process borrows it
    server = None
    try:
        site = bench.add_site(env, "Storm")
        add_user(env)
        port = bench.free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [*PEIL, "serve", "--workers", str(args.workers)],
            env={**env, "PEIL_PORT": str(port)},
            cwd=HERE.parent,
        )
        bench.wait_listening(port, "/healthz")
        asyncio.run(probe(base, site, 2.0))  # warm up
        quiet, storm = [], []
        for round_ in range(args.rounds):
            for clients, into in ((0, quiet), (args.clients, storm)):
                measured = phase(base, site, args.phase, clients, round_ * 100_000)
                measured["seconds"] = args.phase - (1.0 if clients else 0.0)
                into.append(measured)
                print(
                    f"round {round_ + 1} {'storm' if clients else 'quiet'}:"
                    f" ingest p99 {percentile(measured['ingest'], 0.99):.1f} ms"
                    f" {measured.get('logins', '')}",
                    file=sys.stderr,
                    flush=True,
                )
        results = [report("quiet", quiet), report("storm", storm)]
        p99 = results[1]["ingest"]["p99_ms"]
        verdict = "met" if p99 is not None and p99 < TARGET_P99_MS else "NOT met"
        print(
            f"target: ingest p99 under {TARGET_P99_MS} ms during the storm: {verdict} ({p99} ms)",
            file=sys.stderr,
            flush=True,
        )
        print(json.dumps(results, indent=2))
    finally:
        if server is not None:
            bench.stop(server)
        embedded.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
