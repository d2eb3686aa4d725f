"""Rate limiter benchmark: memory under rotating addresses, and the cost of one call.

Compares the ingest rate limiter (collector/ingest/ratelimit.py: a fixed
table of keyed tags, IPv6 by /64) with the one before issue 14 (a dict keyed
by the full address, swept every 60 s; copied below as DictLimiter), in the
same run:

1. memory: for 10k, 100k and 1M rotating client addresses (half IPv4, half
   IPv6 each in its own /64, one request each, as fast as the limiter takes
   them), the memory the limiter holds afterwards (tracemalloc) and the
   growth of the process's RSS (without tracemalloc); each figure from a
   fresh process;
2. cost: nanoseconds per `allow()` for 1,000 busy clients (the usual case)
   and for addresses never seen before (the attack), called as the pipeline
   calls it (`allow(address.packed)`), alternating the two
   limiters over several rounds, best round each; the loop alone (a no-op
   in place of `allow`) is measured too and subtracted.

    python benchmarks/ratelimit_memory.py [--rounds 5] [--sizes 10000,100000,1000000]

No server or database needed; about half a minute.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from collector.ingest.ratelimit import RateLimiter  # noqa: E402

Address = IPv4Address | IPv6Address
RATE, BURST = 50, 200  # the defaults: PEIL_RATE_LIMIT=50, bursts of 4x


class DictLimiter:
    """The limiter before issue 14, as it was: full address bytes as dict keys."""

    def __init__(self, per_second: float, burst: int) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.tolerance = self.interval * burst
        self._tat: dict[bytes, float] = {}
        self._next_sweep = time.monotonic() + 60

    def allow(self, key: bytes) -> bool:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._sweep(now)
        tat = max(self._tat.get(key, now), now)
        if tat - now > self.tolerance:
            return False
        self._tat[key] = tat + self.interval
        return True

    def _sweep(self, now: float) -> None:
        self._tat = {k: v for k, v in self._tat.items() if v > now}
        self._next_sweep = now + 60


LIMITERS = {"before (dict)": DictLimiter, "table": RateLimiter}


def address(i: int) -> bytes:
    """The i-th rotating client: even i an IPv4 address, odd i an IPv6 /64 of its own."""
    if i % 2 == 0:
        return (i * 2654435761 % 2**32).to_bytes(4, "big")
    return (0x2001_0DB8 << 96 | (i * 11400714819323198485 % 2**32) << 64 | i).to_bytes(16, "big")


def child(name: str, count: int, traced: bool) -> None:
    """Feed `count` new addresses to a fresh limiter; print its memory as JSON:
    what tracemalloc sees it hold (`traced`), else the growth of the RSS (tracing
    costs memory of its own, so the two come from separate processes)."""
    process = psutil.Process()
    rss_before = process.memory_info().rss
    if traced:
        tracemalloc.start()
    limiter = LIMITERS[name](RATE, BURST)
    for i in range(count):
        limiter.allow(address(i))
    if traced:
        held, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(json.dumps({"held_mb": held / 2**20, "peak_mb": peak / 2**20}))
    else:
        print(json.dumps({"rss_growth_mb": (process.memory_info().rss - rss_before) / 2**20}))


def run_child(name: str, count: int, traced: bool) -> dict:
    flag = "--traced" if traced else "--rss"
    done = subprocess.run(
        [sys.executable, __file__, flag, name, str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def memory(sizes: list[int]) -> list[dict]:
    rows = []
    for count in sizes:
        for name in LIMITERS:
            figures = {**run_child(name, count, True), **run_child(name, count, False)}
            rows.append({"limiter": name, "addresses": count, **figures})
            print(
                f"{name:>13}: {count:>9,} addresses -> holds {figures['held_mb']:7.2f} MB"
                f" (peak {figures['peak_mb']:7.2f}), RSS +{figures['rss_growth_mb']:6.1f} MB",
                file=sys.stderr,
                flush=True,
            )
    return rows


def per_call_ns(allow, clients: list[Address], repeat: int) -> float:
    """As the pipeline calls it: `allow(address.packed)`, a new bytes object each time."""
    started = time.perf_counter()
    for _ in range(repeat):
        for client in clients:
            allow(client.packed)
    return (time.perf_counter() - started) * 1e9 / (repeat * len(clients))


def cost(rounds: int) -> dict:
    busy = [ip_address(address(i)) for i in range(1_000)]
    fresh = [ip_address(address(i)) for i in range(10_000_000, 10_200_000)]
    best: dict[str, float] = {}

    def keep(label: str, ns: float) -> None:
        best[label] = min(best.get(label, ns), ns)

    for _ in range(rounds):
        keep("loop alone", per_call_ns(lambda key: True, busy, 200))
        for name, cls in LIMITERS.items():
            # busy: 1,000 clients over and over (no limit reached: a huge rate)
            keep(f"{name}, busy", per_call_ns(cls(1e9, BURST).allow, busy, 200))
            keep(f"{name}, new addresses", per_call_ns(cls(RATE, BURST).allow, fresh, 1))
    loop = best["loop alone"]
    net = {label: round(ns - loop, 1) for label, ns in best.items() if label != "loop alone"}
    for label, ns in net.items():
        print(f"{label:>28}: {ns:6.0f} ns per allow()", file=sys.stderr, flush=True)
    print(f"{'loop alone':>28}: {loop:6.0f} ns (subtracted)", file=sys.stderr, flush=True)
    return {"ns_per_allow": net, "loop_ns": round(loop, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    for flag in ("--traced", "--rss"):  # a child process measuring one limiter
        parser.add_argument(flag, nargs=2, metavar=("LIMITER", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    for measured, traced in ((args.traced, True), (args.rss, False)):
        if measured:
            child(measured[0], int(measured[1]), traced)
            return
    results = {
        "memory": memory([int(n) for n in args.sizes.split(",")]),
        "cost": cost(args.rounds),
    }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
