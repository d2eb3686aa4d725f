"""The command line as a whole: help everywhere, migrate, status, demo, and
expected failures as one sentence with exit code 2."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from collector.cli import build_parser
from collector.db.migrate import load_migrations


def every_command(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and sub-command the parser knows, as argv prefixes."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append([*prefix, name])
                found += every_command(sub, (*prefix, name))
    return found


COMMANDS = every_command(build_parser())


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    done = subprocess.run(
        [sys.executable, "-m", "collector", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: peil")


def test_unknown_command_and_flag_are_one_sentence(cli):
    for argv in (["frobnicate"], ["sites", "list", "--colour"]):
        result = cli(*argv)
        assert result.code == 2
        assert result.err.count("\n") == 1 and result.err.startswith("peil: ")
        assert "Traceback" not in result.err


def test_bad_configuration_is_one_sentence(cli):
    result = cli("sites", "list", PEIL_IPV4_PREFIX="40")
    assert result.code == 2
    assert result.err == ("peil: PEIL_IPV4_PREFIX must be a whole number from 0 to 32, not 40.\n")


@pytest.mark.parametrize("argv", [["sites", "list"], ["migrate"], ["status"], ["demo"]])
def test_unreachable_database_is_one_sentence(cli, argv):
    result = cli(*argv, PEIL_DATABASE_URL="postgresql://peil:secret@127.0.0.1:1/peil")
    assert result.code == 2
    assert result.err.startswith(
        "peil: Could not reach PostgreSQL at postgresql://peil:***@127.0.0.1:1/peil: "
    )
    assert result.err.count("\n") == 1
    assert "secret" not in result.err


def test_unreachable_database_through_the_console_script(env):
    done = subprocess.run(
        [sys.executable, "-m", "collector", "sites", "list"],
        capture_output=True,
        text=True,
        env={**env, "PEIL_DATABASE_URL": "postgresql://peil@127.0.0.1:1/peil"},
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("peil: Could not reach PostgreSQL")
    assert "Traceback" not in done.stderr


def test_migrate_reports_up_to_date(cli):
    result = cli("migrate")
    assert result.code == 0
    assert result.out == f"up to date ({len(load_migrations())} migrations)\n"


def test_status_shows_database_partitions_collector_spool_and_purge(cli, db_rows):
    db_rows(
        "INSERT INTO audit_log (actor, action, at) VALUES "
        "('cli:root', 'purge', '2026-01-02T03:04:05Z')"
    )
    result = cli("status")
    assert result.code == 0, result.err
    facts = dict(
        line.split(None, 1)
        if not line.startswith("last purge")
        else ("last purge", line.removeprefix("last purge").strip())
        for line in result.out.splitlines()
    )
    assert facts["database"].startswith("PostgreSQL ")
    assert facts["partitions"].startswith("4, oldest ")
    assert facts["collector"] == "not running on 127.0.0.1:1"
    assert facts["spool"].startswith("0 bytes in ")
    assert facts["last purge"].startswith("2026-01-02T03:04:05")


def test_demo_is_idempotent_and_prints_the_login(cli, db_rows):
    first, second = cli("demo"), cli("demo")
    assert first.code == second.code == 0
    assert first.out == second.out
    assert "login:     demo@peil.localhost / " in first.out
    assert db_rows("SELECT count(*) FROM sites WHERE name = 'Peil demo'") == [(1,)]


def test_commands_still_parse_without_docstrings():
    """Under `python -OO` docstrings (the commands' help) are gone: peil still runs."""
    done = subprocess.run(
        [sys.executable, "-OO", "-m", "collector", "purge", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: peil purge")
