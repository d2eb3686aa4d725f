"""Analytics benchmark (issue 16): every stats report, with and without filters, on one big site.

Generates EVENTS events for one site over DAYS days ending today, visit by
visit (benchmarks/sql/analytics.fill.sql: 2,000 pages, 300 referrers, 60
countries with regions and cities, 30 UTM campaigns, 20 custom events with
props, 5 videos, clicks, hovers, elements, errors, several hosts and player
versions), adds 3 goals, folds everything with the rollup job (timed), and
measures each endpoint over HTTP against the real app (Bearer token):
p50/p95 of REPEAT runs after a warm-up, next to issue 16's target:

- no filter, 30 days: p95 < 150 ms; one filter: < 300 ms; three: < 500 ms;
  a 4-step funnel: < 1 s;
- `--days 365` (the 12-months variant, same event count): the overview and
  breakdowns over the whole year, no filter: < 500 ms.

Then the storage per million events (raw partitions with their indexes, the
aggregates) and, for the slowest cases, the EXPLAIN ANALYZE of their slowest
statement (the plan node that dominates).

    python benchmarks/analytics_queries.py [--events 10000000] [--days 30] [--repeat 20]
    python benchmarks/analytics_queries.py --days 365

Uses the embedded PostgreSQL in a fresh temporary data dir unless
PEIL_DATABASE_URL is set (then a new database on that server, dropped after).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import asyncpg
import asyncpg.connection

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.named_sql import named_query  # noqa: E402
from benchmarks.queries import bench_database, stats_client, timed  # noqa: E402
from collector.db.migrate import apply_migrations  # noqa: E402
from collector.db.partitions import ensure_partitions  # noqa: E402
from collector.model.vocabulary import EVENT_DIMENSIONS, VISIT_DIMENSIONS  # noqa: E402
from collector.rollup import day_reports, month_keys, visit_keys  # noqa: E402
from collector.rollup.job import fold_new  # noqa: E402
from collector.store.goals import Goal, add_goal  # noqa: E402

FILL_SQL = named_query("analytics.fill")
DESCRIBE_SQL = named_query("analytics.describe")
STORAGE_RAW_SQL = named_query("analytics.storage_raw")
STORAGE_TABLES_SQL = named_query("analytics.storage_tables")
# What one visit of the generator sends on average (measured on the first
# day, then corrected day by day so the total comes out at --events).
FIRST_GUESS_EVENTS_PER_VISIT = 8.5

GOALS = (
    Goal("Signed up", "event", "signup"),
    Goal("Saw pricing", "page", "/pricing"),
    Goal("Read the blog", "page", "/blog/*"),
)
VIDEO = "https://cdn.bench.example/video-1.mp4"
FUNNEL = ("page:/", "page:/pricing", "page:/signup", "event:signup")
ONE_FILTER = ("country==NL", "page~/blog", "utm_campaign==campaign-1")
THREE_FILTERS = (
    ("country==DE", "browser==Chrome", "page~/blog"),
    ("utm_source==newsletter", "device!=desktop", "page!~/docs"),
)

# The dashboard's views (dashboard/static/view-*.js) as their API calls:
# stages one after the other, the calls of a stage in parallel, as the page
# sends them. Issue 17's target: each view's data within VIEW_TARGET_MS.
VIEW_TARGET_MS = 1000
BREAKDOWNS = "/api/stats/breakdown"
VIEWS: dict[str, list[list[tuple[str, list[tuple[str, str]]]]]] = {
    "overview": [[("/api/stats/overview", [])]],
    "pages": [
        [(BREAKDOWNS, [("by", by), ("limit", "50")]) for by in ("page", "entry_page", "exit_page")]
    ],
    "sources": [
        [(BREAKDOWNS, [("by", "referrer"), ("limit", "50")])]
        + [
            (BREAKDOWNS, [("by", by), ("limit", "25")])
            for by in ("utm_source", "utm_medium", "utm_campaign")
        ]
    ],
    "locations": [
        [(BREAKDOWNS, [("by", "country"), ("limit", "50")])]
        + [(BREAKDOWNS, [("by", by), ("limit", "25")]) for by in ("region", "city")]
    ],
    "devices": [
        [
            (BREAKDOWNS, [("by", by), ("limit", "10")])
            for by in ("browser", "os", "device", "screen", "language", "player_version")
        ]
    ],
    "media": [[("/api/stats/media", [])], [("/api/stats/media/timeline", [("src", VIDEO)])]],
    "interactions": [
        [
            (BREAKDOWNS, [("by", "page"), ("limit", "100")]),
            ("/api/stats/clicks", []),
            ("/api/stats/elements", [("limit", "50")]),
        ]
    ],
    "events": [
        [("/api/stats/events", [("limit", "50")]), ("/api/stats/goals", [])],
        [("/api/stats/props", [("event", "signup"), ("limit", "10")])],
    ],
    "errors": [[("/api/stats/errors", [("limit", "100")])]],
}

# A case whose first run takes over SLOW_FACTOR times its target or
# FULL_RUNS_UNDER_MS is run once more (its figures: that run), or not again
# when it took over LONG_S; the app's statements stop after 20 s (the
# statement timeout: a 500, reported as a MISS).
SLOW_FACTOR = 8
FULL_RUNS_UNDER_MS = 2000
LONG_S = 5
STATEMENT_TIMEOUT_SQL = named_query("analytics.statement_timeout")  # 20 s
SCAN_FLOOR_SQL = named_query("analytics.scan_floor")
CALL_TIMEOUT_S = 300
TIMEOUT = aiohttp.ClientTimeout(total=CALL_TIMEOUT_S)

# With filters, these reports only: a run of every report under every filter
# would take hours where reports are far over their targets.
FILTERED_BREAKDOWNS = ("page", "entry_page", "country")
FILTERED_REPORTS = (
    "overview",
    *(f"breakdown by={d}" for d in FILTERED_BREAKDOWNS),
    "media",
    "clicks url=/",
    "events",
    "goals",
    "realtime",
)

TARGET_MS = {
    "no filter": 150,
    "one filter": 300,
    "three filters": 500,
    "funnel": 1000,
    "12 months": 500,
}


@dataclass
class Case:
    group: str
    label: str
    path: str
    params: list[tuple[str, str]] = field(default_factory=list)
    ranged: bool = True  # takes from/to (realtime does not)
    p50: float | None = None
    p95: float | None = None
    problem: str | None = None  # why it was not measured (status and error)
    runs: int = 0
    # The slowest statement of its first run: (seconds, query, args, statements, SQL seconds).
    slowest: tuple[float, str, tuple, int, float] | None = None

    @property
    def target(self) -> int:
        return TARGET_MS[self.group]

    @property
    def timed_out(self) -> bool:
        """Its statement ran into a statement timeout: the app answered 503 (a
        filtered report, after 30 s) or 500 (QueryCanceledError, after 20 s)."""
        return bool(self.problem) and (
            "QueryCanceled" in self.problem or self.problem.startswith("503")
        )

    @property
    def verdict(self) -> str:
        if self.p95 is None:
            return "MISS" if self.timed_out else "n/a"
        return "PASS" if self.p95 < self.target else "MISS"


def reports(filters: tuple[str, ...], group: str) -> list[Case]:
    """Every report of the stats API with `filters`, as cases of `group`."""
    f = [("filter", v) for v in filters]
    where = " ".join(filters) if filters else ""

    def case(label: str, path: str, *params: tuple[str, str], ranged: bool = True) -> Case:
        name = f"{label} [{where}]" if where else label
        return Case(group, name, f"/api/stats/{path}", [*params, *f], ranged)

    cases = [
        case("overview", "overview"),
        case("overview compare=previous", "overview", ("compare", "previous")),
        case("overview interval=week", "overview", ("interval", "week")),
    ]
    for dim in dict.fromkeys(("page", *VISIT_DIMENSIONS, *EVENT_DIMENSIONS)):
        if filters and dim not in FILTERED_BREAKDOWNS:
            continue
        cases.append(case(f"breakdown by={dim}", "breakdown", ("by", dim)))
    if not filters:
        cases.append(
            case(
                "breakdown by=page compare=previous",
                "breakdown",
                ("by", "page"),
                ("compare", "previous"),
            )
        )
    cases += [
        case("media", "media"),
        case("media/timeline", "media/timeline", ("src", VIDEO)),
        case("clicks url=/", "clicks", ("url", "/")),
        case("clicks (all pages)", "clicks"),
        case("events", "events"),
        case("props event=signup", "props", ("event", "signup")),
        case("goals", "goals"),
        case("errors", "errors"),
        case("elements", "elements"),
        case("realtime", "realtime", ranged=False),
    ]
    if filters:  # with filters: the usual few reports (the time the whole run takes)
        cases = [c for c in cases if c.label.split(" [")[0] in FILTERED_REPORTS]
    return cases


def funnel_cases() -> list[Case]:
    steps = [("step", s) for s in FUNNEL]
    return [
        Case("funnel", "funnel " + " > ".join(FUNNEL), "/api/stats/funnel", steps),
        Case(
            "funnel",
            f"funnel (4 steps) [{ONE_FILTER[0]}]",
            "/api/stats/funnel",
            [*steps, ("filter", ONE_FILTER[0])],
        ),
    ]


def month_cases() -> list[Case]:
    """The 12-months variant: the year's overview and breakdowns, no filter."""
    group = "12 months"
    cases = [
        Case(group, "overview", "/api/stats/overview"),
        Case(group, "overview interval=month", "/api/stats/overview", [("interval", "month")]),
    ]
    for dim in ("page", "entry_page", "referrer", "country", "city", "utm_campaign", "event"):
        cases.append(Case(group, f"breakdown by={dim}", "/api/stats/breakdown", [("by", dim)]))
    return cases


# ---------------------------------------------------------------- data


async def generate(conn: asyncpg.Connection, events: int, days: int, now: datetime) -> int:
    """One site with about `events` events over `days` UTC days ending with
    today (today up to `now`); its id."""
    site = await conn.fetchval(
        "INSERT INTO sites (key, name, domains) VALUES ($1, $2, $3) RETURNING id",
        "benchanalytics",
        "analytics bench",
        ["www.bench.example", "shop.bench.example", "docs.bench.example"],
    )
    today = now.date()
    first = today - timedelta(days=days - 1)
    await ensure_partitions(conn, first, today + timedelta(days=1))
    midnight = datetime.combine(first, datetime.min.time(), UTC)
    spans = [
        min(86400.0, (now - (midnight + timedelta(days=d))).total_seconds()) for d in range(days)
    ]
    per_visit, done, visits_done = FIRST_GUESS_EVENTS_PER_VISIT, 0, 0
    for d in range(days):
        left = sum(spans[d:])
        visits = max(1, round((events - done) / per_visit * spans[d] / left))
        start = midnight + timedelta(days=d)
        status = await conn.execute(FILL_SQL, site, start, spans[d], visits, d, now)
        done += int(status.split()[-1])
        visits_done += visits
        per_visit = done / visits_done
        if sys.stderr.isatty():
            print(f"\rgenerating: day {d + 1}/{days}", end="", file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    await conn.execute("ANALYZE events")
    return site


async def describe(conn: asyncpg.Connection, site: int) -> None:
    """The generated data's shape: events per type, distinct values."""
    row = await conn.fetchrow(DESCRIBE_SQL, site)
    print("data: " + ", ".join(f"{k} {v:,}" for k, v in row.items()))
    types = await conn.fetch(
        "SELECT type, count(*) AS n FROM events WHERE site_id = $1 GROUP BY 1 ORDER BY 1", site
    )
    print("events per type: " + ", ".join(f"{r['type']}: {r['n']:,}" for r in types))


async def storage(conn: asyncpg.Connection, events: int) -> None:
    """Bytes per million events: raw partitions (heap, TOAST, indexes) and aggregates."""
    per_million = 1_000_000 / max(1, events)
    raw = {k: int(v) for k, v in (await conn.fetchrow(STORAGE_RAW_SQL)).items()}
    tables = await conn.fetch(STORAGE_TABLES_SQL)
    mb = 1024 * 1024
    print(f"\nstorage ({events:,} events), per million events:")
    print(
        f"  raw events (heap + TOAST + indexes): {raw['total'] * per_million / mb:,.1f} MB"
        f" ({raw['total'] / max(1, events):.0f} bytes/event; heap and TOAST"
        f" {raw['heap'] * per_million / mb:,.1f} MB,"
        f" indexes {raw['indexes'] * per_million / mb:,.1f} MB"
        f" of which the client-id unique indexes {raw['client_ids'] * per_million / mb:,.1f} MB,"
        " dropped once a day is 7 days old)"
    )
    aggregates = [t for t in tables if not _working_state(t["name"])]
    state = [t for t in tables if _working_state(t["name"])]
    total = sum(t["bytes"] for t in aggregates)
    print(f"  aggregates: {total * per_million / mb:,.2f} MB ({total / mb:,.1f} MB in all)")
    for t in aggregates:
        print(f"    {t['name']:<32} {t['bytes'] / mb:>9.2f} MB  {t['rows']:>12,} rows")
    print("  working state of the open days (not aggregates; deleted when a day closes):")
    for t in state:
        print(f"    {t['name']:<32} {t['bytes'] / mb:>9.2f} MB  {t['rows']:>12,} rows")


def _working_state(name: str) -> bool:
    return name.startswith("rollup_open") or name in ("rollup_state", "rollup_input")


# ---------------------------------------------------------------- measuring


class LastError(logging.Handler):
    """The last ERROR line the app logged (why a call answered 500)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage().splitlines()[0][:160]


class Recorder:
    """Records the statements run on any connection of this process (the
    app's pool, the rollup's) while `on`: (seconds, query, args)."""

    def __init__(self) -> None:
        self.on = False
        self.calls: list[tuple[float, str, tuple]] = []
        extended = asyncpg.connection.Connection._execute
        simple = asyncpg.connection.Connection.execute
        recorder = self

        async def _execute(conn, query, args, limit, timeout, **kwargs):
            if not recorder.on:
                return await extended(conn, query, args, limit, timeout, **kwargs)
            started = time.perf_counter()
            try:
                return await extended(conn, query, args, limit, timeout, **kwargs)
            finally:
                recorder.calls.append((time.perf_counter() - started, query, tuple(args)))

        async def execute(conn, query, *args, timeout=None):
            if args or not recorder.on:  # with arguments: through _execute
                return await simple(conn, query, *args, timeout=timeout)
            started = time.perf_counter()
            try:
                return await simple(conn, query, timeout=timeout)
            finally:
                recorder.calls.append((time.perf_counter() - started, query, ()))

        asyncpg.connection.Connection._execute = _execute
        asyncpg.connection.Connection.execute = execute

    def by_statement(self) -> list[tuple[float, int, str]]:
        """(seconds in all, runs, name) per statement, slowest first; a name is
        the sql/queries file that holds the statement, else its first words."""
        totals: dict[str, list] = {}
        for seconds, query, _ in self.calls:
            entry = totals.setdefault(statement_name(query), [0.0, 0])
            entry[0] += seconds
            entry[1] += 1
        return sorted(((s, n, name) for name, (s, n) in totals.items()), reverse=True)


def query_of(case: Case, key: str, first: date, last: date) -> list[tuple[str, str]]:
    params = [("site", key)]
    if case.ranged:
        params += [("from", first.isoformat()), ("to", last.isoformat())]
    return params + case.params


async def measure(
    http: aiohttp.ClientSession,
    base: str,
    cases: list[Case],
    key: str,
    first: date,
    last: date,
    repeat: int,
    recorder: Recorder,
) -> None:
    errors = LastError()
    logging.getLogger().addHandler(errors)
    for case in cases:
        query = query_of(case, key, first, last)
        problem: list[str] = []

        async def call(path=case.path, query=query, problem=problem) -> None:
            async with http.get(base + path, params=query, timeout=TIMEOUT) as response:
                body = await response.read()
                if response.status != 200:
                    why = (
                        errors.last
                        if response.status == 500
                        else body[:120].decode(errors="replace")
                    )
                    problem.append(f"{response.status}: {why}")
                    raise LookupError

        try:
            recorder.calls.clear()
            recorder.on = True
            started = time.perf_counter()
            try:
                await call()  # the first warm-up, its statements recorded
            finally:
                first_ms = (time.perf_counter() - started) * 1000
                recorder.on = False
                if recorder.calls:
                    top = max(recorder.calls, key=lambda c: c[0])
                    spent = sum(c[0] for c in recorder.calls)
                    case.slowest = (*top, len(recorder.calls), spent)
            # Far over its target: one or two runs say as much, and keep the
            # whole benchmark within the hour.
            if first_ms < min(SLOW_FACTOR * case.target, FULL_RUNS_UNDER_MS):
                case.runs = repeat
                case.p50, case.p95 = await timed(call, case.runs, warmup=1)
            elif first_ms < LONG_S * 1000:
                case.runs = 1
                case.p50, case.p95 = await timed(call, case.runs, warmup=0)
            else:
                case.runs, case.p50, case.p95 = 1, first_ms, first_ms
        except LookupError:
            case.problem = problem[-1]
        except TimeoutError:
            case.problem = f"over {CALL_TIMEOUT_S} s"
        print(line(case), flush=True)


async def measure_views(
    http: aiohttp.ClientSession,
    base: str,
    key: str,
    first: date,
    last: date,
    repeat: int,
    filters: tuple[str, ...] = (),
) -> None:
    """Each view's data as the page asks for it: p50/p95 of the wall time."""
    where = f" [{' '.join(filters)}]" if filters else ""
    print(f"\nviews{where} (their API calls, a stage's in parallel; target {VIEW_TARGET_MS} ms):")
    ranged = [("site", key), ("from", first.isoformat()), ("to", last.isoformat())]
    ranged += [("filter", f) for f in filters]

    async def get(path: str, params: list[tuple[str, str]]) -> None:
        async with http.get(base + path, params=ranged + params, timeout=TIMEOUT) as response:
            await response.read()
            if response.status != 200:
                raise LookupError(f"{path}: {response.status}")

    for name, stages in VIEWS.items():

        async def view(stages=stages) -> None:
            for stage in stages:
                await asyncio.gather(*(get(path, params) for path, params in stage))

        try:
            p50, p95 = await timed(view, repeat, warmup=1)
        except (LookupError, TimeoutError) as e:
            print(f"  {name:<13} n/a ({e})")
            continue
        verdict = "PASS" if p95 < VIEW_TARGET_MS else "MISS"
        print(f"  {name:<13} p50 {p50:>8.1f} ms  p95 {p95:>8.1f} ms  {verdict}", flush=True)


def line(case: Case) -> str:
    if case.timed_out:
        figures = f"{'timeout':>8} {'timeout':>8}  MISS ({case.problem})"
    elif case.p95 is None:
        figures = f"{'':>8} {'':>8}  n/a ({case.problem})"
    else:
        figures = f"{case.p50:>8.1f} {case.p95:>8.1f}  {case.verdict}"
        if case.runs < 20:
            figures += f" ({case.runs} run{'s' if case.runs > 1 else ''})"
    return f"{case.group:<13} {case.label:<66} {case.target:>6} {figures}"


def header() -> str:
    return f"{'group':<13} {'case':<66} {'target':>6} {'p50 ms':>8} {'p95 ms':>8}  result"


async def explain_slowest(
    database_url: str, cases: list[Case], count: int, plans: Path | None
) -> None:
    """For the `count` slowest cases (one per slowest statement): that
    statement's EXPLAIN ANALYZE, and the plan nodes that took longest."""

    def badness(case: Case) -> float:
        if case.p95 is not None:
            return case.p95 / case.target
        return 1e9 if case.timed_out else 0.0  # slower than anything measured

    ranked = sorted((c for c in cases if badness(c) > 0), key=lambda c: -badness(c))
    conn = await asyncpg.connect(database_url)
    # As the app's reports run (dashboard/stats/selection.py), with more time.
    await conn.execute("SET work_mem = '64MB'")
    await conn.execute("SET statement_timeout = '90s'")
    out, seen = [], set()
    print(f"\nslowest cases (by p95 / target), their slowest statement (at most {count}):")
    for case in ranked:
        if len(seen) >= count:
            break
        if case.slowest is None or case.slowest[1] in seen:
            continue
        seconds, sql, args, statements, spent = case.slowest
        seen.add(sql)
        figure = f"p95 {case.p95:.1f} ms" if case.p95 is not None else case.problem
        print(
            f"\n* {case.group}: {case.label}: {figure} (target {case.target} ms);"
            f" its first run: {statements} statements, {spent * 1000:.0f} ms in SQL"
        )
        print(f"  slowest ({seconds * 1000:.0f} ms): {statement_name(sql)}")
        plan, analyzed = None, True
        for explain in ("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ", "EXPLAIN (FORMAT JSON) "):
            try:
                tr = conn.transaction()
                await tr.start()
                try:
                    plan = json.loads(await conn.fetchval(explain + sql, *args))[0]
                finally:
                    await tr.rollback()
                break
            except asyncpg.QueryCanceledError:
                analyzed = False  # over 90 s: the plan without running it
            except asyncpg.PostgresError as exc:
                print(f"  EXPLAIN failed: {exc}")
                break
        if plan is None:
            continue
        if analyzed:
            print(
                f"  EXPLAIN ANALYZE: {plan['Execution Time']:.0f} ms; own time per node (approx.):"
            )
        else:
            print("  EXPLAIN (ANALYZE over 90 s): the nodes' own estimated cost:")
        for amount, node in heaviest_nodes(plan["Plan"], analyzed)[:4]:
            print(f"    {amount:>10.1f} {'ms' if analyzed else ''}  {node}")
        out.append(
            f"## {case.group}: {case.label} ({figure})\n\n{sql}\n\nargs: {args!r}\n\n"
            + render(plan["Plan"], analyzed)
            + "\n\n"
            + json.dumps(plan)
        )
    await conn.close()
    if plans is not None:
        plans.write_text("\n\n".join(out) + "\n")
        print(f"\nplans written to {plans}")


@functools.cache
def named_statements() -> dict[str, str]:
    """Peil's named queries (sql/queries/*.sql) by their text, words joined by one space."""
    folder = HERE.parent / "sql" / "queries"
    return {" ".join(f.read_text().split()): f.stem for f in folder.glob("*.sql")}


def statement_name(sql: str) -> str:
    """The sql/queries file that holds the statement, else its first words."""
    words = " ".join(sql.split())
    return named_statements().get(words) or words[:120] + "..."


def render(node: dict, analyzed: bool, depth: int = 0) -> str:
    """The plan as an indented tree, one line per node."""
    text = "  " * depth + "-> " + describe_node(node)
    if analyzed:
        text += f"  {node.get('Actual Total Time', 0):.1f} ms"
    else:
        text += f"  cost {node.get('Total Cost', 0):.0f}"
    return "\n".join([text, *(render(c, analyzed, depth + 1) for c in node.get("Plans", []))])


def describe_node(node: dict) -> str:
    what = node["Node Type"]
    for k in ("Relation Name", "CTE Name", "Index Name", "Strategy", "Join Type", "Sort Method"):
        if k in node:
            what += f" {node[k]}"
    loops = node.get("Actual Loops", 1)
    rows = node.get("Actual Rows", node.get("Plan Rows", 0)) * loops
    what += f" (rows {rows:,.0f}"
    if "Actual Rows" in node:
        what += f", estimated {node.get('Plan Rows', 0):,.0f} per loop"
    if loops > 1:
        what += f", loops {loops:,}"
    if node.get("Temp Written Blocks"):
        what += f", temp written {node['Temp Written Blocks'] * 8 // 1024} MB"
    return what + ")"


def heaviest_nodes(root: dict, analyzed: bool = True) -> list[tuple[float, str]]:
    """Plan nodes by their own time (their total minus their children's), in
    ms; unanalyzed: by their own estimated cost. A CTE is computed as its
    scans read it, so its time is taken off its (first) CTE Scan, not off the
    node it hangs under."""
    nodes: list[tuple[float, str]] = []

    def total(node: dict) -> float:
        if analyzed:
            return node.get("Actual Total Time", 0.0) * node.get("Actual Loops", 1)
        return node.get("Total Cost", 0.0)

    ctes: dict[str, float] = {}

    def find_ctes(node: dict) -> None:
        if node.get("Subplan Name", "").startswith("CTE "):
            ctes[node["Subplan Name"][4:]] = total(node)
        for c in node.get("Plans", []):
            find_ctes(c)

    def walk(node: dict) -> None:
        children = node.get("Plans", [])
        own = total(node) - sum(
            total(c) for c in children if not c.get("Subplan Name", "").startswith("CTE ")
        )
        if node["Node Type"] == "CTE Scan" and analyzed:
            own -= ctes.pop(node.get("CTE Name", ""), 0.0)
        nodes.append((max(0.0, own), describe_node(node)))
        for c in children:
            walk(c)

    find_ctes(root)
    walk(root)
    return sorted(nodes, key=lambda n: -n[0])


# ---------------------------------------------------------------- main


async def prepare(
    args: argparse.Namespace, url: str, now: datetime, recorder: Recorder
) -> tuple[int, str, int]:
    conn = await asyncpg.connect(url, command_timeout=7200)
    await apply_migrations(conn)
    started = time.perf_counter()
    site = await generate(conn, args.events, args.days, now)
    seconds = time.perf_counter() - started
    total = await conn.fetchval("SELECT count(*) FROM events")
    print(f"generated {total:,} events over {args.days} days in {seconds:.1f} s")
    await describe(conn, site)
    for goal in GOALS:
        await add_goal(conn, site, goal, actor="bench")

    for setting in args.fold_set:
        name, _, value = setting.partition("=")
        await conn.execute("SELECT set_config($1, $2, false)", name, value)
    recorder.calls.clear()
    recorder.on = True
    started = time.perf_counter()
    report = await fold_new(conn)
    seconds = time.perf_counter() - started
    recorder.on = False
    print(
        f"rollup (fold_new, one run): {report.events:,} events, {report.days} site-days"
        f" in {seconds:.1f} s = {report.events / seconds:,.0f} events/s"
        + (f" (session settings: {', '.join(args.fold_set)})" if args.fold_set else "")
        + "; its statements:"
    )
    for spent, runs, name in recorder.by_statement()[:8]:
        print(f"  {spent:>8.1f} s  {runs:>5} runs  {name}")
    # Steady state: every day over has its breakdowns made (a run makes at
    # most DAYS_PER_RUN of them; in service a day ends once a day).
    started = time.perf_counter()
    made = [0, 0, 0]
    while True:
        batch = [
            await visit_keys.make_days(conn),
            await day_reports.make_days(conn),
            await month_keys.make_months(conn),
        ]
        made = [m + b for m, b in zip(made, batch, strict=True)]
        if not any(batch):
            break
    print(
        f"made after it: {made[0]} days of visit keys, {made[1]} of report rows,"
        f" {made[2]} months of keys"
        f" in {time.perf_counter() - started:.1f} s"
    )
    # The one-run rebuild passed 30 days of visits through the open days'
    # table at once; in service it holds about three days' (the open ones)
    # and autovacuum reuses its space. Its size back to that, then statistics.
    await conn.execute("VACUUM FULL rollup_open_visits")
    await conn.execute("VACUUM ANALYZE")
    await storage(conn, total)
    key = await conn.fetchval("SELECT key FROM sites WHERE id = $1", site)
    await conn.close()
    return site, key, total


async def main(args: argparse.Namespace, url: str) -> None:
    recorder = Recorder()
    now = datetime.now(UTC)
    _, key, _ = await prepare(args, url, now, recorder)
    today = now.date()  # the site's zone is UTC
    if args.days >= 300:
        cases = month_cases()
        first = today - timedelta(days=min(args.days, 365) - 1)
    else:
        cases = reports((), "no filter")
        for f in ONE_FILTER:
            cases += reports((f,), "one filter")
        for filters in THREE_FILTERS:
            cases += reports(filters, "three filters")
        cases += funnel_cases()
        first = today - timedelta(days=args.days - 1)
    if args.only:
        cases = [c for c in cases if args.only in c.label]
    conn = await asyncpg.connect(url)
    await conn.execute(STATEMENT_TIMEOUT_SQL)
    await conn.close()
    print(f"\n{len(cases)} cases, {first} to {today}, {args.repeat} runs each after 2 warm-ups")
    print(header())
    async with stats_client(url) as (http, base):
        await measure(http, base, cases, key, first, today, args.repeat, recorder)
        summary(cases)
        if args.days < 300:
            await measure_views(http, base, key, first, today, min(args.repeat, 10))
            await measure_views(http, base, key, first, today, 3, ONE_FILTER[:1])
        await scan_floor(url, first, today)
        if args.explain:
            await explain_slowest(url, cases, args.explain, args.plans)
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "group": c.group,
                        "case": c.label,
                        "target_ms": c.target,
                        "p50_ms": c.p50,
                        "p95_ms": c.p95,
                        "result": c.verdict,
                        "problem": c.problem,
                        "runs": c.runs,
                    }
                    for c in cases
                ],
                indent=1,
            )
        )


async def scan_floor(url: str, first: date, last: date) -> None:
    """The ceiling of every raw-event report, measured in this run: the
    median of 5 plain scans of the range's events (after 1 warm-up), without
    and with the page filter the cases use."""
    conn = await asyncpg.connect(url, command_timeout=600)
    try:
        site = await conn.fetchval("SELECT id FROM sites WHERE key = 'benchanalytics'")
        start = datetime.combine(first, datetime.min.time(), UTC)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC)
        print("\nscan floor (raw events of the range, counted, nothing grouped):")
        for label, page in (("every event", ""), ("page~/blog", "/blog")):
            times = []
            for _ in range(6):
                started = time.perf_counter()
                n = await conn.fetchval(SCAN_FLOOR_SQL, site, start, end, page)
                times.append(1000 * (time.perf_counter() - started))
            print(f"  {label:<12} {n:>11,} rows  median {statistics.median(times[1:]):>8.1f} ms")
    finally:
        await conn.close()


def summary(cases: list[Case]) -> None:
    print("\nsummary (p95 against the target):")
    for group in TARGET_MS:
        of: Callable[[str], list[Case]] = lambda v, g=group: [  # noqa: E731
            c for c in cases if c.group == g and c.verdict == v
        ]
        passed, missed, na = of("PASS"), of("MISS"), of("n/a")
        if passed or missed or na:
            worst = max((c.p95 for c in passed + missed if c.p95), default=None)
            late = sum(c.timed_out for c in missed)
            print(
                f"  {group:<14} target {TARGET_MS[group]:>5} ms: {len(passed)} PASS,"
                f" {len(missed)} MISS ({late} timed out), {len(na)} n/a"
                + (f"; worst measured p95 {worst:.1f} ms" if worst is not None else "")
            )


def run() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30, help="30, or 365 for the 12-months variant")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", help="only the cases whose label contains this")
    parser.add_argument(
        "--explain", type=int, default=6, help="EXPLAIN ANALYZE the N slowest cases"
    )
    parser.add_argument("--plans", type=Path, help="write the full plans to this file")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument(
        "--fold-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting of the rollup's session (e.g. enable_nestloop=off), repeatable",
    )
    args = parser.parse_args()
    # A stop (timeout, kill) still stops the embedded PostgreSQL and removes its files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    with bench_database("peil_bench_analytics") as url:
        asyncio.run(main(args, url))


if __name__ == "__main__":
    run()
