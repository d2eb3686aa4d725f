"""`peil serve` end to end, as an operator runs it: embedded database in a
fresh data dir, /healthz, SIGINT and SIGTERM leave no postgres behind, the
data survives a restart; several workers share one port; the scheduled jobs
run in a process of their own; and after a SIGKILL of serve (the OOM killer)
none of its processes (workers, jobs, sync helpers) lives on (a jobs process
inside a transaction just exits, and PostgreSQL rolls it back), while the
embedded PostgreSQL is left to the next peil command, which stops it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from collector.server import check_port_free
from tests.support.serve import ADVISORY_LOCK, free_port, get_json, wait_healthy
from tests.support.wait import ended, eventually


def postgres_processes(data_dir) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["name"] == "postgres" and str(data_dir) in cmdline:
            found.append(proc)
    return found


def peil(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "collector", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_serve(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "collector", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def embedded_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    return {**env, "PEIL_DATA_DIR": str(tmp_path / "data"), "PEIL_PORT": str(free_port())}


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_on_embedded_database_stops_cleanly_and_keeps_data(embedded_env, stop_signal):
    health_url = f"http://127.0.0.1:{embedded_env['PEIL_PORT']}/healthz"
    data_dir = embedded_env["PEIL_DATA_DIR"]

    serve = start_serve(embedded_env)
    body = wait_healthy(health_url, serve)
    assert body["status"] == "ok" and body["database"] == "ok"
    assert postgres_processes(data_dir), "the embedded server runs"

    # A CLI command next to the running server borrows its database.
    added = peil("sites", "add", "Kept", "--domain", "kept.nl", env=embedded_env)
    assert added.returncode == 0, added.stderr
    key = added.stdout.splitlines()[0]
    assert postgres_processes(data_dir), "the CLI command did not stop serve's database"

    serve.send_signal(stop_signal)
    assert serve.wait(30) == 0
    _, stderr = serve.communicate()
    assert "Traceback" not in stderr
    assert "stopped" in stderr
    eventually(lambda: postgres_processes(data_dir) == [], 10, what="no postgres left behind")

    serve = start_serve(embedded_env)
    wait_healthy(health_url, serve)
    listed = peil("sites", "list", env=embedded_env)
    assert key in listed.stdout
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(30) == 0
    assert postgres_processes(data_dir) == []


def test_workers_share_the_port(env):
    port = free_port()
    serve = start_serve({**env, "PEIL_PORT": str(port)}, "--workers", "2")
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", serve)
        # The kernel spreads new connections over the listening workers.
        pids: set[int] = set()
        deadline = time.monotonic() + 20
        while len(pids) < 2 and time.monotonic() < deadline:
            pids.add(get_json(f"http://127.0.0.1:{port}/healthz")[1]["pid"])
        assert len(pids) == 2, "both workers answer"
        assert serve.pid not in pids
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(30) == 0
    for pid in pids:
        assert not psutil.pid_exists(pid)


def test_port_in_use_is_one_sentence(env):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = peil("serve", "--port", str(port), env=env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"peil: Cannot listen on 127.0.0.1:{port} (Address already in use); stop what uses it"
        " or choose another --port."
    )


def test_an_unusable_spool_directory_is_one_sentence(env, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "spool").write_text("a file where the spool directory should be")
    done = peil("serve", "--port", str(free_port()), env={**env, "PEIL_DATA_DIR": str(data_dir)})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        f"peil: Cannot use the spool directory {data_dir / 'spool'} (Not a directory); check"
        " PEIL_DATA_DIR and its permissions."
    )


def peil_children(serve: subprocess.Popen) -> tuple[list[psutil.Process], list[psutil.Process]]:
    """serve's own processes (workers, jobs), and the workers' spool sync helpers."""
    processes, helpers = [], []
    for child in psutil.Process(serve.pid).children(recursive=True):
        command = " ".join(child.cmdline())
        if child.name() == "postgres" or "resource_tracker" in command:
            continue
        (helpers if "sync_helper.py" in command else processes).append(child)
    return processes, helpers


def all_started(serve: subprocess.Popen, workers: int):
    """serve's processes and helpers once all have started: the jobs process, the
    workers when there are several, and each worker's (serve's, when it is the
    only one) spool sync helper, which starts after /healthz first answers."""
    children, helpers = peil_children(serve)
    complete = len(children) == (1 if workers == 1 else 1 + workers) and len(helpers) == workers
    return (children, helpers) if complete else None


def post_pageview(port: int, key: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/events",
        data=json.dumps(
            {"site": key, "url": "https://jobs.nl/", "events": [{"t": "pageview"}]}
        ).encode(),
        headers={
            "Origin": "https://jobs.nl",
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"
            " AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("workers", [1, 2])
def test_scheduled_jobs_run_in_their_own_process_and_stop_with_serve(env, db_rows, workers):
    port = free_port()
    serve = start_serve(
        {**env, "PEIL_PORT": str(port), "PEIL_RATE_LIMIT": "0"}, "--workers", str(workers)
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", serve)
        children, helpers = eventually(lambda: all_started(serve, workers), 20)
        eventually(  # the jobs process nices itself once started
            lambda: any(child.nice() > 0 for child in children), 20, what="a niced jobs process"
        )
        added = peil("sites", "add", f"Jobs {workers}", "--domain", "jobs.nl", env=env)
        key = added.stdout.splitlines()[0]
        # 403 (unknown site) until the workers' site registry, refreshed every
        # second, has the new site; then one 202, and nothing was stored before.
        eventually(lambda: post_pageview(port, key) == 202, 10, what="the site is known")
        # The rollup job folds it within its interval.
        folded = eventually(
            lambda: db_rows(
                "SELECT d.pageviews FROM rollup_days d JOIN sites s ON s.id = d.site_id"
                " WHERE s.key = $1",
                key,
            ),
            30,
            what="the pageview in rollup_days",
        )
        assert folded == [(1,)]
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(60) == 0
    assert all(ended(child) for child in children + helpers)


def sigkill_and_wait_for_children(serve: subprocess.Popen, workers: int) -> str:
    """SIGKILL serve once all its processes run; none may be alive 5 s later.

    Returns serve's stderr, which its children shared.
    """
    eventually(lambda: all_started(serve, workers), 20)
    # All of them, the multiprocessing resource tracker included.
    children = psutil.Process(serve.pid).children(recursive=True)
    children = [c for c in children if c.name() != "postgres"]
    serve.send_signal(signal.SIGKILL)
    assert serve.wait(10) == -signal.SIGKILL
    eventually(
        lambda: all(ended(child) for child in children),
        5,
        what=f"the end of serve's processes {[c.pid for c in children]}",
    )
    _, stderr = serve.communicate(timeout=10)  # at EOF: every writer of the pipe is gone
    return stderr


@pytest.mark.parametrize("workers", [1, 2])
def test_no_process_of_serve_outlives_a_sigkill(env, workers):
    port = free_port()
    serve = start_serve({**env, "PEIL_PORT": str(port)}, "--workers", str(workers))
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", serve)
        stderr = sigkill_and_wait_for_children(serve, workers)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert "Traceback" not in stderr
    assert "peil serve is gone; the scheduled jobs stop" in stderr
    assert stderr.count("peil serve is gone; this worker stops") == (workers if workers > 1 else 0)
    check_port_free("127.0.0.1", port)  # nothing listens on it: a new serve can start at once


JOBS_PARENT = """
import multiprocessing, os, sys, time
from collector.config import load_settings
from tests.support.serve import jobs_inside_a_transaction

settings = load_settings(os.environ)
jobs = multiprocessing.get_context("spawn").Process(
    target=jobs_inside_a_transaction, args=(settings, settings.database_url)
)
jobs.start()
print(jobs.pid, flush=True)
time.sleep(600)
"""


def test_a_jobs_process_inside_a_transaction_just_exits_when_serve_is_killed(env, db_rows):
    parent = subprocess.Popen(
        [sys.executable, "-c", JOBS_PARENT],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    jobs = psutil.Process(int(parent.stdout.readline()))
    try:
        held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1"
        eventually(lambda: db_rows(held, ADVISORY_LOCK) == [(1,)], 20, what="the job's lock")
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        eventually(lambda: ended(jobs), 5, what="the end of the jobs process")
        # Its connection closed with the transaction open: PostgreSQL rolled it back.
        eventually(lambda: db_rows(held, ADVISORY_LOCK) == [(0,)], 5, what="the lock released")
    finally:
        if parent.poll() is None:
            parent.kill()
        if not ended(jobs):
            jobs.kill()
    _, stderr = parent.communicate(timeout=10)
    assert "Traceback" not in stderr
    assert "peil serve is gone; the scheduled jobs stop" in stderr


def test_a_sigkilled_serve_leaves_the_embedded_database_to_the_next_command(embedded_env):
    data_dir = embedded_env["PEIL_DATA_DIR"]
    serve = start_serve(embedded_env)
    try:
        wait_healthy(f"http://127.0.0.1:{embedded_env['PEIL_PORT']}/healthz", serve)
        stderr = sigkill_and_wait_for_children(serve, 1)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert "Traceback" not in stderr
    # The killed serve never let go of PostgreSQL: it still runs, and the next
    # command borrows it, forgets the dead handle and, the last user, stops it.
    assert postgres_processes(data_dir), "the embedded server survives serve"
    listed = peil("sites", "list", env=embedded_env)
    assert listed.returncode == 0, listed.stderr
    eventually(lambda: postgres_processes(data_dir) == [], 10, what="no postgres left behind")
