"""`peil config`, and an unknown PEIL_* variable stopping every command that
loads settings, through the real command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from collector.config import SETTINGS
from tests.support.cli import run_cli

SECRET = "s3cret-value-" * 4
PASSWORD = "hunter2-db-password"
# Reachable by no command: should a typo not stop start-up, the command fails
# fast on the database instead of starting an embedded one.
UNREACHABLE = "postgresql://peil@127.0.0.1:1/peil"


@pytest.fixture
def clean_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    return {**env, "PEIL_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize(
    "argv",
    [["serve"], ["migrate"], ["sites", "list"], ["purge", "--dry-run"], ["status"], ["demo"]],
    ids=" ".join,
)
def test_a_misspelt_variable_stops_the_command(clean_env, argv):
    env = {**clean_env, "PEIL_DATABASE_URL": UNREACHABLE, "PEIL_RETENTON_DAYS": "7"}
    result = run_cli(*argv, env=env)
    assert result.code == 2
    assert result.err == (
        "peil: PEIL_RETENTON_DAYS is not a Peil setting; did you mean PEIL_RETENTION_DAYS?\n"
    )
    assert result.out == ""


def test_a_misspelt_variable_stops_serve_without_traceback(clean_env, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "collector", "serve"],
        capture_output=True,
        text=True,
        env={**clean_env, "PEIL_DATABASE_URL": UNREACHABLE, "PEIL_RETENTON_DAYS": "7"},
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "peil: PEIL_RETENTON_DAYS is not a Peil setting; did you mean PEIL_RETENTION_DAYS?\n"
    )
    assert not (tmp_path / "data").exists()  # nothing started, nothing written


def test_an_unknown_variable_far_from_any_setting(clean_env):
    result = run_cli("sites", "list", env={**clean_env, "PEIL_BATCH": "20"})
    assert result.code == 2
    assert result.err == (
        "peil: PEIL_BATCH is not a Peil setting, nor close to one (`peil config` lists them all).\n"
    )


def test_config_has_help():
    done = subprocess.run(
        [sys.executable, "-m", "collector", "config", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: peil config")
    assert (
        "config"
        in subprocess.run(
            [sys.executable, "-m", "collector", "--help"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
    )


def blocks(out: str) -> dict[str, tuple[str, str]]:
    """The listing by variable: each block's first line and its help, spaces squeezed."""
    found = {}
    for block in out.strip().split("\n\n"):
        first, *help = block.splitlines()
        found[first.split()[0]] = (" ".join(first.split()), " ".join(" ".join(help).split()))
    return found


def test_config_lists_every_setting_with_value_default_and_help(clean_env, tmp_path):
    result = run_cli("config", env=clean_env)
    assert (result.code, result.err) == (0, "")
    listing = blocks(result.out)
    assert list(listing) == [setting.variable for setting in SETTINGS]
    for setting in SETTINGS:
        first, help = listing[setting.variable]
        if setting.variable == "PEIL_DATA_DIR":  # the only one set
            assert first.endswith(f"{tmp_path / 'data'} (default: ./peil-data)"), first
        else:
            assert first.endswith("(default)"), first
        assert help == setting.help
    assert listing["PEIL_RETENTION_DAYS"][0] == "PEIL_RETENTION_DAYS 183 (default)"
    assert (
        f"unset: generated into {tmp_path / 'data' / 'secret_key'}" in listing["PEIL_SECRET_KEY"][0]
    )
    assert not (tmp_path / "data").exists()  # no database started, no secret generated


def test_config_shows_values_set_and_masks_secrets(clean_env):
    env = {
        **clean_env,
        "PEIL_RETENTION_DAYS": "30",
        "PEIL_PURGE_AT": "off",
        "PEIL_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32",
        "PEIL_SECRET_KEY": SECRET,
        "PEIL_DATABASE_URL": f"postgresql://peil:{PASSWORD}@db.example:5432/peil?password={PASSWORD}",
    }
    result = run_cli("config", env=env)
    assert (result.code, result.err) == (0, "")
    listing = blocks(result.out)
    assert listing["PEIL_RETENTION_DAYS"][0] == "PEIL_RETENTION_DAYS 30 (default: 183)"
    assert listing["PEIL_PURGE_AT"][0] == "PEIL_PURGE_AT off (default: 03:30)"
    assert "10.0.0.0/8, 2001:db8::/32" in listing["PEIL_TRUSTED_PROXIES"][0]
    assert "set (not shown)" in listing["PEIL_SECRET_KEY"][0]
    assert (
        "postgresql://peil:***@db.example:5432/peil?password=***" in listing["PEIL_DATABASE_URL"][0]
    )
    assert SECRET not in result.out and PASSWORD not in result.out


def test_config_lists_everything_then_names_every_problem(clean_env):
    env = {
        **clean_env,
        "PEIL_RETENTON_DAYS": "7",
        "PEIL_PORT": "abc",
        "PEIL_SECRET_KEY": "too-short-key",
    }
    result = run_cli("config", env=env)
    assert result.code == 2
    listing = blocks(result.out)
    assert list(listing) == [setting.variable for setting in SETTINGS]
    assert listing["PEIL_PORT"][0] == "PEIL_PORT not allowed (see below) (default: 8000)"
    assert "too-short-key" not in result.out
    assert result.err.splitlines() == [
        "peil: PEIL_RETENTON_DAYS is not a Peil setting; did you mean PEIL_RETENTION_DAYS?",
        "peil: PEIL_PORT must be a whole number from 1 to 65535, not 'abc'.",
        "peil: PEIL_SECRET_KEY must be at least 32 characters long.",
    ]
