"""`peil purge [--dry-run]` as an operator runs it, with data relative to the
real now: what it prints, exit codes, the audit row, the lock, no progress
noise when stderr is not a terminal."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import io
import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from collector.cli.purge import TerminalProgress
from collector.db.partitions import partition_name
from collector.retention.purge import PURGE_LOCK_KEY
from tests.support.jobs_data import add_events, add_site, reset


def ago(days: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


@pytest.fixture
def data(database_url):
    """Sites Noord (instance retention) and Kort (30 days), each with events
    200, 150, 40 and 0 days old; returns {site name: key, "old": the name of
    the partition 200 days back}."""

    async def make() -> dict:
        conn = await asyncpg.connect(database_url)
        try:
            await reset(conn)
            noord = await add_site(conn, "Noord")
            kort = await add_site(conn, "Kort", retention_days=30)
            moments = [ago(200), ago(150), ago(40), ago(0)]
            for site in (noord, kort):
                await add_events(conn, site, moments)
            keys = dict(await conn.fetch("SELECT name, key FROM sites"))
        finally:
            await conn.close()
        return {**keys, "old": partition_name(moments[0].date())}

    return asyncio.run(make())


def test_purge_prints_what_it_removed_and_exits_0(cli, db_rows, data):
    result = cli("purge")
    assert result.code == 0, result.err
    assert result.err == ""  # not a terminal: no progress lines
    lines = result.out.splitlines()
    assert lines[0].startswith("cutoff ") and lines[0].endswith("UTC (PEIL_RETENTION_DAYS=183)")
    assert f"site {data['Kort']} (Kort) keeps 30 days: cutoff " in lines[1]
    assert f"drop partition {data['old']} (2 rows)" in lines
    assert f"delete 2 rows of site {data['Kort']} (Kort)" in lines
    assert lines[-1].startswith("done in ")
    assert lines[-1].endswith("removed 1 partition (2 rows) and 2 rows")
    assert db_rows("SELECT count(*) FROM events") == [(4,)]


def test_purge_writes_one_audit_row_naming_the_os_user(cli, db_rows, data):
    assert cli("purge").code == 0
    [(actor, detail)] = db_rows("SELECT actor, detail FROM audit_log WHERE action = 'purge'")
    assert actor == f"cli:{getpass.getuser()}"
    detail = json.loads(detail)
    assert detail["dry_run"] is False
    assert detail["partitions_dropped"] == {data["old"]: 2}
    assert detail["rows_deleted"] == {data["Kort"]: 2}


def test_dry_run_prints_the_plan_and_changes_nothing(cli, db_rows, data):
    before = db_rows("SELECT tableoid::regclass::text, site_id, ts FROM events ORDER BY 1, 2, 3")
    result = cli("purge", "--dry-run")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "dry run: nothing is changed"
    assert f"would drop partition {data['old']} (2 rows)" in lines
    assert f"would delete 2 rows of site {data['Kort']} (Kort)" in lines
    assert lines[-1] == "dry run: would remove 1 partition (2 rows) and 2 rows"
    after = db_rows("SELECT tableoid::regclass::text, site_id, ts FROM events ORDER BY 1, 2, 3")
    assert after == before
    # A dry run writes no audit row: it removed nothing, and `peil status`
    # reads its "last purge" from these rows.
    assert db_rows("SELECT count(*) FROM audit_log") == [(0,)]


def test_second_purge_says_there_is_nothing_to_remove(cli, data):
    assert cli("purge").code == 0
    result = cli("purge")
    assert result.code == 0
    assert result.out.splitlines()[-1] == (
        "nothing to remove: no partition or row is older than its retention"
    )


async def test_purge_while_another_runs_is_one_sentence_and_exit_2(cli, db, data):
    await db.execute("SELECT pg_advisory_lock($1)", PURGE_LOCK_KEY)
    try:
        result = await asyncio.to_thread(cli, "purge")
    finally:
        await db.execute("SELECT pg_advisory_unlock($1)", PURGE_LOCK_KEY)
    assert result.code == 2
    assert result.out == ""
    assert result.err == (
        "peil: Another peil purge is running on this database, so this one changed nothing;"
        " try again when it has finished.\n"
    )


def test_unreachable_database_is_one_sentence(cli):
    result = cli("purge", PEIL_DATABASE_URL="postgresql://peil:secret@127.0.0.1:1/peil")
    assert result.code == 2
    assert result.err.startswith("peil: Could not reach PostgreSQL at ")
    assert result.err.count("\n") == 1 and "secret" not in result.err


def test_shorter_instance_retention_from_the_environment(cli, db_rows, data):
    result = cli("purge", PEIL_RETENTION_DAYS="100")
    assert result.code == 0, result.err
    assert db_rows("SELECT count(*) FROM events WHERE ts < now() - interval '100 days'") == [(0,)]


def test_help():
    done = subprocess.run(
        [sys.executable, "-m", "collector", "purge", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: peil purge [-h] [--dry-run]")


def test_progress_shows_on_a_terminal_only(env, data):
    """stderr on a pseudo-terminal: progress lines, rewritten in place."""
    main, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "collector", "purge"],
            stdout=subprocess.PIPE,
            stderr=secondary,
            env=env,
            text=True,
            timeout=60,
        )
        os.close(secondary)
        seen = b""
        with contextlib.suppress(OSError):  # EIO once the terminal has no writer
            while chunk := os.read(main, 4096):
                seen += chunk
    finally:
        os.close(main)
    assert done.returncode == 0
    assert f"\r\x1b[Kdropping {data['old']} (1 of 1)".encode() in seen
    assert seen.endswith(b"\r\x1b[K")
    assert "\x1b" not in done.stdout


def test_progress_rewrites_one_terminal_line():
    stream = io.StringIO()
    progress = TerminalProgress(stream)
    progress("dropping events_20250101 (1 of 2)")
    progress.clear()
    assert stream.getvalue() == "\r\x1b[Kdropping events_20250101 (1 of 2)\r\x1b[K"
