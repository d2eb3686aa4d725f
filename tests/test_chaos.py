"""The short forms of benchmarks/chaos.py that CI runs: 20,000 uniquely
identified events while PostgreSQL is stopped and started (once with a
COMMIT whose answer is lost) and the collector is killed with SIGKILL, twice
each; and 10,000 over two nodes on one PostgreSQL, each with its own spool,
clients retrying unanswered requests on the other node, while either node is
killed, one is stalled until its clients retried elsewhere (then killed), and
PostgreSQL restarts. Every acknowledged event must be stored exactly once.
The benchmark runs its own embedded PostgreSQL in a temporary directory, not
the session's server."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from collector.db.migrate import prepare_database
from collector.durable.writer import copy_rows
from tests.support.rows import row
from tests.support.wait import eventually_async

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "benchmarks" / "chaos.py"
SHORT_FORM = "--events 20000 --pg-restarts 2 --kills 2 --duration 25 --outage 2 --give-up-after 60"
TWO_NODES = (
    "--nodes 2 --events 10000 --pg-restarts 1 --kills 2 --stalls 1 --request-timeout 2"
    " --duration 16 --outage 2 --give-up-after 60"
)


def load_chaos():
    spec = importlib.util.spec_from_file_location("peil_chaos_benchmark", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_check_sees_loss_duplicates_and_strangers():
    chaos = load_chaos()
    sent = ["a", "b", "c", "d"]
    assert chaos.verify(sent, set(sent), ["d", "c", "b", "a"]).ok
    lost = chaos.verify(sent, set(sent), ["a", "b", "c"])
    assert (lost.ok, lost.missing) == (False, 1)
    doubled = chaos.verify(sent, set(sent), ["a", "b", "c", "d", "b"])
    assert (doubled.ok, doubled.duplicates, doubled.missing) == (False, 1, 0)
    swapped = chaos.verify(sent, set(sent), ["a", "b", "c", "x"])
    assert (swapped.ok, swapped.missing, swapped.unexpected) == (False, 1, 1)
    unanswered = chaos.verify(sent, {"a", "b", "c"}, ["a", "b", "c"])
    assert (unanswered.ok, unanswered.unacknowledged) == (False, 1)


def test_acknowledged_events_survive_postgres_restarts_and_kills_exactly_once(tmp_path):
    figures = tmp_path / "chaos.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *SHORT_FORM.split(), "--json", str(figures)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    r = json.loads(figures.read_text())
    assert r["sent"] == r["acknowledged"] == r["stored"] == 20_000, r
    assert (r["duplicates"], r["missing"], r["unexpected"]) == (0, 0, 0), r
    # The faults really happened: two planned stops (fast, and a crash with a
    # COMMIT in flight) plus one under the second kill; two kills.
    assert r["pg_restarts"] == 3 and r["crashes_with_commits_in_flight"] == 1, r
    assert r["collector_kills"] == 2 and r["kills_while_pg_down"] == 1, r
    assert r["failures"], "no request failed: the collector was never really down"
    assert r["leftover_generations"] == [] and r["serve_exit_status"] == 0, r


def test_two_nodes_store_every_acknowledged_event_once_whichever_took_it(tmp_path):
    figures = tmp_path / "chaos.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *TWO_NODES.split(), "--json", str(figures)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    r = json.loads(figures.read_text())
    assert r["nodes"] == 2
    assert r["sent"] == r["acknowledged"] == r["stored"] == 10_000, r
    assert (r["duplicates"], r["missing"], r["unexpected"]) == (0, 0, 0), r
    # Node 0 was stalled then killed, and killed again; node 1 killed while
    # PostgreSQL was down; PostgreSQL stopped twice.
    assert r["kills_per_node"] == [2, 1] and r["stalls"] == 1, r
    assert r["pg_restarts"] == 2 and r["kills_while_pg_down"] == 1, r
    # The stalled node's clients retried on the other node, which stored their
    # events; the stalled node then wrote (or replayed) what it held, and its
    # writer found each one stored already.
    assert r["writer_duplicates"] > 0, r
    assert r["failures"].get("TimeoutError"), r
    assert r["leftover_generations"] == [] and r["serve_exit_status"] == 0, r


async def test_a_copy_cut_off_by_a_postgres_crash_fails_instead_of_hanging(tmp_path):
    # A large batch fills the socket (PostgreSQL reads nothing: the table is
    # locked), then PostgreSQL crashes. The writer must get an error to retry
    # on, not hang: asyncpg's async-iterable COPY source used to wait forever.
    chaos = load_chaos()
    postgres = chaos.Postgres(tmp_path / "postgres")
    admin = await asyncio.to_thread(postgres.start)
    try:
        conn = await asyncpg.connect(admin)
        await prepare_database(conn)
        locker = await asyncpg.connect(admin)
        await locker.execute("BEGIN; LOCK TABLE events IN ACCESS EXCLUSIVE MODE")
        now = datetime.now(UTC)
        rows = [row(1, now, f"{i:060d}") for i in range(60_000)]  # about 12 MB
        copy = asyncio.create_task(copy_rows(conn, rows))
        await eventually_async(
            lambda: not conn._protocol.writing_allowed.is_set(), what="a full socket"
        )
        await asyncio.to_thread(postgres.stop, "immediate")
        done, _ = await asyncio.wait([copy], timeout=10)
        assert done, "COPY still waiting 10 s after PostgreSQL died"
        assert isinstance(copy.exception(), asyncpg.ConnectionDoesNotExistError | OSError)
    finally:
        await asyncio.to_thread(postgres.close)
