"""The embedded PostgreSQL: started on first use, reused by other peil
processes, stopped by the last one, never kept alive by a dead process."""

from __future__ import annotations

import os
import subprocess
import sys

import psutil

from collector.db.embedded import EmbeddedPostgres


def sites_list(data_dir) -> subprocess.CompletedProcess:
    """`peil sites list` as a separate process on the embedded server of data_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    return subprocess.run(
        [sys.executable, "-m", "collector", "sites", "list"],
        env={**env, "PEIL_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_started_reused_by_another_process_and_stopped_by_the_last(tmp_path):
    server = EmbeddedPostgres(tmp_path / "postgres")
    url = server.start()
    assert url.startswith("postgresql://postgres:@/postgres?host=")
    pid = server.server_pid()
    assert psutil.pid_exists(pid)

    # Another peil process borrows the running server and leaves it running.
    done = sites_list(tmp_path)
    assert done.returncode == 0, done.stderr
    assert psutil.pid_exists(pid)

    server.stop()
    psutil.Process(pid).wait(10) if psutil.pid_exists(pid) else None
    assert not psutil.pid_exists(pid)


def test_a_cli_command_alone_starts_and_stops_the_server(tmp_path):
    done = sites_list(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "No sites yet" in done.stdout
    assert (tmp_path / "postgres" / "PG_VERSION").exists()
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()


def test_handle_of_a_killed_process_does_not_keep_the_server_alive(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from collector.db.embedded import EmbeddedPostgres;"
            "s = EmbeddedPostgres(Path(sys.argv[1])); s.start();"
            "print(s.server_pid(), flush=True); time.sleep(120)",
            str(tmp_path / "postgres"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    pid = int(holder.stdout.readline())
    holder.kill()  # SIGKILL: its handle stays in the list
    holder.wait()
    assert psutil.pid_exists(pid)

    # The next peil command forgets the dead handle, and as the last user stops the server.
    done = sites_list(tmp_path)
    assert done.returncode == 0, done.stderr
    if psutil.pid_exists(pid):
        psutil.Process(pid).wait(10)
    assert not psutil.pid_exists(pid)
