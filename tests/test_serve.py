"""`peil serve` end to end, as an operator runs it: embedded database in a
fresh data dir, /healthz, SIGINT and SIGTERM leave no postgres behind, the
data survives a restart; several workers share one port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from tests.support.serve import free_port, get_json, wait_healthy


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
    time.sleep(0.2)
    assert postgres_processes(data_dir) == [], "no postgres process left behind"

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


@pytest.mark.parametrize("workers", ["1", "2"])
def test_scheduled_jobs_run_in_their_own_process_and_stop_with_serve(env, db_rows, workers):
    port = free_port()
    serve = start_serve(
        {**env, "PEIL_PORT": str(port), "PEIL_RATE_LIMIT": "0"}, "--workers", workers
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", serve)
        children, helpers = peil_children(serve)
        # The jobs process, plus the workers when there are several.
        assert len(children) == (1 if workers == "1" else 3)
        # Each worker (serve itself when it is the only one) has its spool sync
        # helper, once it has started (/healthz answers as soon as one worker has).
        deadline = time.monotonic() + 20
        while len(helpers) < int(workers) and time.monotonic() < deadline:
            time.sleep(0.2)
            children, helpers = peil_children(serve)
        assert len(helpers) == int(workers)
        deadline = time.monotonic() + 20  # the jobs process nices itself once started
        while not any(child.nice() > 0 for child in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert any(child.nice() > 0 for child in children), "the jobs process is niced"
        added = peil("sites", "add", f"Jobs {workers}", "--domain", "jobs.nl", env=env)
        key = added.stdout.splitlines()[0]
        time.sleep(1.5)  # the workers' site registry refreshes every second
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
        assert urllib.request.urlopen(request, timeout=5).status == 202
        # The rollup job folds it within its interval.
        deadline = time.monotonic() + 30
        folded: list[tuple] = []
        while not folded and time.monotonic() < deadline:
            folded = db_rows(
                "SELECT d.pageviews FROM rollup_days d JOIN sites s ON s.id = d.site_id"
                " WHERE s.key = $1",
                key,
            )
            time.sleep(0.3)
        assert folded == [(1,)]
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(60) == 0
    assert not any(psutil.pid_exists(child.pid) for child in children + helpers)
