"""Rollup benchmark in parts: where a run's time goes, and what the rollup's index costs COPY.

Steps (default): fills today's partition with PREFILL rows of the rollup
benchmark's generator (benchmarks/rollup.py: its visitors, event mix and
attributes) and folds them; then RUNS times: COPY ROWS new rows, then time
one rollup run (collector.rollup.job.fold_new, as `peil serve` runs it)
and each step of it, with nothing else running. Then IDLE runs with nothing
new. Prints for each step its time in every run, the median, and its share
of the median run; the run's throughput against the target insert rate;
the idle run against the run with new rows. --cprofile: the Python profile
of the last run; --explain MS: then one more run, with the plans of its
statements that take at least MS ms.

--copy-index: rows/s of binary COPY into `events` (BATCH-row batches, as
the writer and the benchmark loader send them) into an emptied partition,
with the events_rollup_xact btree index (as migration 0005 creates it) and
with no such index, ROUNDS interleaved rounds of ROWS rows (which variant
goes first alternates). After each COPY, ROWS/2 more rows, and the time a
run takes to read those new rows by snapshot
(collector.rollup.input_rows.load_new_rows, into its temp table) from a
partition then holding 1.5 x ROWS rows. Also tries a BRIN index instead and
prints what PostgreSQL says.

    python benchmarks/rollup_steps.py [--prefill 200000] [--rows 500000] [--runs 3] [--idle 20]
                                      [--cprofile] [--explain MS]
    python benchmarks/rollup_steps.py --copy-index [--rows 400000] [--rounds 5] [--batch 20000]

Uses the embedded PostgreSQL in a fresh temporary data dir unless
PEIL_DATABASE_URL is set (then a new database on that server, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import pstats
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import asyncpg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from queries import bench_database  # noqa: E402
from rollup import COLUMNS, TARGET_RATE, Rows, new_site  # noqa: E402

from collector.rollup import fold, input_rows, media_fold, open_days  # noqa: E402
from collector.rollup import job as rollup  # noqa: E402

BATCH = 20_000  # rows per COPY, as the benchmark loader sends them
# The steps of a run (collector/rollup/job.py: fold_new), in the order it takes
# them, and the steps of fold_input, which it calls once per run here.
RUN_STEPS = (
    "has_new_rows",
    "prepare_fold",
    "load_new_rows",
    "input_days",
    "is_open",
    "fold_input",
    "close_days",
)
FOLD_STEPS = (
    "_fold_days",
    "_fold_visitors",
    "_fold_visits",
    "_fold_types",
    "_fold_keys",
    "_fold_clicks",
    "fold_media",
)
# The module each step is looked up in by its caller, at each call.
STEP_MODULES = {
    "has_new_rows": input_rows,
    "prepare_fold": input_rows,
    "load_new_rows": input_rows,
    "input_days": input_rows,
    "is_open": open_days,
    "fold_input": fold,
    "close_days": open_days,
    "_fold_days": fold,
    "_fold_visitors": fold,
    "_fold_visits": fold,
    "_fold_types": fold,
    "_fold_keys": fold,
    "_fold_clicks": fold,
    "fold_media": media_fold,
}
OTHER = "other"  # of a run: lock, transaction, snapshot, commit; of fold_input: count, TRUNCATE


# --- where a run's time goes -------------------------------------------------


@contextlib.contextmanager
def timed_steps() -> Iterator[dict[str, float]]:
    """Seconds spent in each step function of the rollup (collector/rollup/),
    summed over the calls made while the context is open. The functions are
    replaced in their modules (STEP_MODULES: the job, fold_input and the fold
    look them up there at each call) and put back on exit. A step its module
    lacks (older code) is left out: its time, if any, shows as `other`."""
    spent: dict[str, float] = {}
    originals: dict[str, Callable[..., Awaitable]] = {}

    def timed(name: str, step: Callable[..., Awaitable]) -> Callable[..., Awaitable]:
        @functools.wraps(step)
        async def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await step(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return wrapper

    for name in RUN_STEPS + FOLD_STEPS:
        module = STEP_MODULES[name]
        if hasattr(module, name):
            originals[name] = getattr(module, name)
            setattr(module, name, timed(name, originals[name]))
            spent[name] = 0.0
    try:
        yield spent
    finally:
        for name, step in originals.items():
            setattr(STEP_MODULES[name], name, step)


async def timed_run(
    conn: asyncpg.Connection, profile: bool = False
) -> tuple[int, dict[str, float]]:
    """One rollup run: the rows it folded, and seconds per step (`total`: the run;
    `other`: the run outside the steps; `fold_input other`: fold_input outside
    its fold steps; a step missing from its module: no key)."""
    profiler = cProfile.Profile() if profile else None
    with timed_steps() as spent:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = await rollup.fold_new(conn)
        if profiler:
            profiler.disable()
        total = time.perf_counter() - started
    steps = dict(spent, total=total)
    steps[OTHER] = total - sum(steps.get(name, 0.0) for name in RUN_STEPS)
    fold_steps = sum(steps.get(name, 0.0) for name in FOLD_STEPS)
    steps[f"fold_input {OTHER}"] = steps["fold_input"] - fold_steps
    if profiler:
        print("\ncProfile of the last run, by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    return report.events, steps


async def copy_rows(conn: asyncpg.Connection, rows: Rows, n: int, batch: int = BATCH) -> None:
    while n > 0:
        records = rows.batch(min(batch, n))
        await conn.copy_records_to_table("events", records=records, columns=COLUMNS)
        n -= len(records)


def step_table(runs: list[dict[str, float]]) -> None:
    """One line per step: its seconds in each run, the median, the share of the median run."""
    total = statistics.median(r["total"] for r in runs)
    names = ["total", *RUN_STEPS[:5]]
    names += ["fold_input", *(f"  {n}" for n in FOLD_STEPS), f"  fold_input {OTHER}"]
    names += ["close_days", OTHER]
    head = "".join(f"{f'run {i + 1}':>8}" for i in range(len(runs)))
    print(f"  {'step (s)':24}{head}{'median':>8}   share")
    for name in names:
        if name.strip() not in runs[0]:
            print(f"  {name:24}{'-':>8}  (no such step in this version)")
            continue
        values = [r[name.strip()] for r in runs]
        median = statistics.median(values)
        cells = "".join(f"{v:8.2f}" for v in values)
        print(f"  {name:24}{cells}{median:8.2f}   {median / total:5.0%}")


async def steps(conn: asyncpg.Connection, args: argparse.Namespace) -> None:
    site_id = await new_site(conn)
    rows = Rows(site_id)
    started = time.perf_counter()
    await copy_rows(conn, rows, args.prefill)
    await conn.execute("ANALYZE events")
    copied = time.perf_counter() - started
    started = time.perf_counter()
    report = await rollup.fold_new(conn)
    first = time.perf_counter() - started
    print(
        f"prefill: {args.prefill:,} rows COPYed in {copied:.1f} s; first run (opens today:"
        f" rebuilt from its raw rows): {report.events:,} rows in {first:.1f} s"
    )

    runs: list[dict[str, float]] = []
    for i in range(args.runs):
        await copy_rows(conn, rows, args.rows)
        folded, spent = await timed_run(conn, profile=args.cprofile and i == args.runs - 1)
        assert folded == args.rows, (folded, args.rows)
        runs.append(spent)
        total = spent["total"]
        print(
            f"run {i + 1}: COPY {args.rows:,} rows, then a run: {total:.2f} s"
            f" = {args.rows / total:,.0f} rows/s",
            flush=True,
        )
    median = statistics.median(r["total"] for r in runs)
    print(f"\na run of {args.rows:,} new rows, {args.runs} runs (nothing else running):")
    step_table(runs)
    throughput = args.rows / median
    print(
        f"  median run {median:.2f} s = {throughput:,.0f} rows/s of run time"
        f" ({throughput / TARGET_RATE:.1f}x the target insert rate, {TARGET_RATE:,}/s)"
    )

    idle = [(await timed_run(conn))[1] for _ in range(args.idle)]
    idle_median = statistics.median(r["total"] for r in idle)
    print(f"\nan idle run (nothing new), {args.idle} runs:")
    print(
        f"  median {idle_median * 1000:.1f} ms, min {min(r['total'] for r in idle) * 1000:.1f},"
        f" max {max(r['total'] for r in idle) * 1000:.1f}"
        f" (vs {median:.2f} s for {args.rows:,} new rows)"
    )
    for name in (*RUN_STEPS, OTHER):
        step = statistics.median(r.get(name, 0.0) for r in idle)
        if step >= 0.00005:  # the steps an idle run takes
            print(f"  {name:24}median {step * 1000:5.1f} ms")

    if args.explain is not None:
        await copy_rows(conn, rows, args.rows)
        print(f"\nplans of the statements of one more run of {args.rows:,} new rows that take"
              f" at least {args.explain} ms (EXPLAIN ANALYZE: the run takes longer):")  # fmt: skip
        await explained_run(conn, args.explain)

    print("\nopen-day state after the runs:")
    for table in open_days.OPEN_STATE_TABLES:
        count, size = await conn.fetchrow(
            f"SELECT count(*), pg_size_pretty(pg_total_relation_size('{table}')) FROM {table}"
        )
        print(f"  {table:20} {count:>9,} rows {size:>8}")


async def explained_run(conn: asyncpg.Connection, min_ms: int) -> None:
    """One rollup run, printing the EXPLAIN (ANALYZE, BUFFERS, WAL) of each of
    its statements that takes at least `min_ms` (auto_explain, sent to this
    session as notices; LOAD needs a superuser, as the embedded server's)."""

    def show(_: asyncpg.Connection, message: asyncpg.PostgresLogMessage) -> None:
        print(message.message, flush=True)

    await conn.execute(
        f"""LOAD 'auto_explain';
            SET auto_explain.log_min_duration = {int(min_ms)};
            SET auto_explain.log_analyze = on;
            SET auto_explain.log_buffers = on;
            SET auto_explain.log_wal = on;
            SET auto_explain.log_level = notice"""
    )
    conn.add_log_listener(show)
    try:
        await rollup.fold_new(conn)
    finally:
        conn.remove_log_listener(show)
        await conn.execute("SET auto_explain.log_min_duration = -1")


# --- what the rollup's index costs COPY --------------------------------------


async def copy_index(conn: asyncpg.Connection, args: argparse.Namespace) -> None:
    site_id = await new_site(conn)
    # A run's settings for reading (collector/rollup/job.py): its temp table in
    # memory, and a plan made for the snapshot at hand.
    await conn.execute(f"SET temp_buffers = '{rollup.TEMP_BUFFERS}'")
    await conn.execute("SET plan_cache_mode = force_custom_plan")
    # As the migrations made it. pg_indexes shows the parent's part of it (ON
    # ONLY events); ON events builds the index of every partition too.
    btree = await conn.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'events' AND indexname = $1",
        "events_rollup_xact",
    )
    btree = btree.replace(" ON ONLY ", " ON ", 1)
    variants = {"btree": btree, "none": None}
    source = Rows(site_id)
    batches = [source.batch(args.batch) for _ in range(args.rows // args.batch)]
    new = batches[: len(batches) // 2]
    rows, new_rows = len(batches) * args.batch, len(new) * args.batch
    print(f"btree: {btree}")
    print(
        f"COPY {rows:,} rows in {args.batch:,}-row batches into an emptied partition,"
        f" then {new_rows:,} more to read back:"
    )

    rates: dict[str, list[float]] = {v: [] for v in variants}
    reads: dict[str, list[float]] = {v: [] for v in variants}
    plans: dict[str, str] = {}
    for round_ in range(args.rounds):
        # Every other round the other variant goes first (the very first COPY
        # into a new server is the slowest).
        order = list(variants) if round_ % 2 == 0 else list(reversed(variants))
        for variant in order:
            ddl = variants[variant]
            await conn.execute("TRUNCATE events")
            await conn.execute("DROP INDEX IF EXISTS events_rollup_xact")
            if ddl:
                await conn.execute(ddl)
            with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
                await conn.execute("CHECKPOINT")  # no round pays for an earlier one's writes
            started = time.perf_counter()
            for batch in batches:
                await conn.copy_records_to_table("events", records=batch, columns=COLUMNS)
            rates[variant].append(rows / (time.perf_counter() - started))

            snapshot, xmin = await conn.fetchrow(
                "SELECT pg_current_snapshot()::text, pg_snapshot_xmin(pg_current_snapshot())::text"
            )
            for batch in new:
                await conn.copy_records_to_table("events", records=batch, columns=COLUMNS)
            await conn.execute("VACUUM ANALYZE events")
            plans[variant] = await scan_of(conn, xmin, snapshot)
            async with conn.transaction(isolation="repeatable_read"):
                await input_rows.prepare_fold(conn)
                started = time.perf_counter()
                await input_rows.load_new_rows(conn, xmin, snapshot)
                reads[variant].append(time.perf_counter() - started)
                read = await conn.fetchval("SELECT count(*) FROM rollup_input")
            assert read == new_rows, (read, new_rows)
        done = ", ".join(f"{v} {rates[v][-1]:,.0f} rows/s" for v in variants)
        print(f"  round {round_ + 1}: {done}", flush=True)

    base_rate = statistics.median(rates["none"])
    base_read = statistics.median(reads["none"])
    print(f"\nmedians of {args.rounds} rounds:")
    for variant in variants:
        rate, read = statistics.median(rates[variant]), statistics.median(reads[variant])
        print(
            f"  {variant:6} COPY {rate:9,.0f} rows/s ({rate / base_rate:.2f}x the rate with no"
            f" index); read {new_rows:,} new rows of {rows + new_rows:,}: {read * 1000:5.0f} ms"
            f" ({read / base_read:.2f}x the time with no index) by {plans[variant]}"
        )

    await conn.execute("DROP INDEX IF EXISTS events_rollup_xact")
    try:
        await conn.execute("CREATE INDEX events_rollup_xact ON events USING brin (rollup_xact)")
        print("  brin   possible on rollup_xact (not measured)")
    except asyncpg.PostgresError as exc:
        print(f"  brin   not possible on rollup_xact: {str(exc).splitlines()[0]}")


async def scan_of(conn: asyncpg.Connection, xmin: str, snapshot: str) -> str:
    """How PostgreSQL finds the new rows in today's partition (the first scan
    node of the plan of load_new_rows' WHERE clause)."""
    plan = await conn.fetch(
        """EXPLAIN SELECT * FROM events e
           WHERE e.rollup_xact >= $1::text::xid8
             AND NOT pg_visible_in_snapshot(e.rollup_xact, $2::text::pg_snapshot)""",
        xmin,
        snapshot,
    )
    return next(line.strip(" ->").split("  (")[0] for (line,) in plan if "Scan" in line)


# -----------------------------------------------------------------------------


async def main(args: argparse.Namespace, url: str) -> None:
    conn = await asyncpg.connect(url, command_timeout=3600)
    try:
        await (copy_index(conn, args) if args.copy_index else steps(conn, args))
    finally:
        await conn.close()


def run() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--copy-index", action="store_true", help="measure the index's COPY cost instead"
    )
    parser.add_argument(
        "--rows", type=int, help="new rows per run (500000); --copy-index: rows per COPY (400000)"
    )
    steps_ = parser.add_argument_group("steps")
    steps_.add_argument("--prefill", type=int, default=200_000, help="rows before (%(default)s)")
    steps_.add_argument("--runs", type=int, default=3, help="runs with new rows (%(default)s)")
    steps_.add_argument("--idle", type=int, default=20, help="runs with nothing new (%(default)s)")
    steps_.add_argument("--cprofile", action="store_true", help="profile the last run (Python)")
    steps_.add_argument(
        "--explain",
        type=int,
        metavar="MS",
        help="then one more run, printing the plans of its statements of at least MS ms",
    )
    copy = parser.add_argument_group("--copy-index")
    copy.add_argument("--rounds", type=int, default=5, help="rounds per variant (%(default)s)")
    copy.add_argument("--batch", type=int, default=BATCH, help="rows per COPY (%(default)s)")
    args = parser.parse_args()
    if args.rows is None:
        args.rows = 400_000 if args.copy_index else 500_000
    with bench_database("peil_bench_rollup_steps") as url:
        asyncio.run(main(args, url))


if __name__ == "__main__":
    run()
