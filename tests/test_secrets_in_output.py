"""No secret in any log line or CLI output (issue 14, item 9): a password in
PEIL_DATABASE_URL, in the user info or in the query string, is printed as ***
by `peil config`, by the start-up line of `peil serve`, and in the one
sentence of an unreachable database, for every command that connects."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest

from collector.config import mask_url
from tests.support.serve import free_port, wait_healthy

SECRET = "Xyzzy-s3cret-PW"


def with_password(url: str) -> str:
    """`url` with SECRET as its password (trust auth lets the embedded server ignore it)
    and again as an sslpassword in the query."""
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    user = (user or "postgres").split(":")[0]
    query = "&".join(q for q in (parts.query, f"sslpassword={SECRET}") if q)
    return urlunsplit((parts.scheme, f"{user}:{SECRET}@{host}", parts.path, query, ""))


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://peil:{SECRET}@db.example:5432/peil",
        f"postgresql://peil:{SECRET}:more@db.example/peil",
        f"postgresql://peil:{SECRET}@x@db.example/peil",
        f"postgresql://peil:{SECRET}@h1:5432,h2:5433/peil",
        f"postgresql://peil@db.example/peil?password={SECRET}",
        f"postgresql://peil@db.example/peil?sslmode=require&PassWord={SECRET}",
        f"postgresql://peil@db.example/peil?pass%77ord={SECRET}",
        f"postgresql://peil@db.example/peil?sslpassword={SECRET}",
        f"postgres://peil:{SECRET}@[::1/peil",  # cannot be parsed
    ],
)
def test_mask_url_leaves_no_password(url):
    masked = mask_url(url)
    assert SECRET not in masked
    assert masked.startswith(url.partition("://")[0] + "://")


def test_mask_url_keeps_what_is_no_secret():
    url = "postgresql://peil:pw@db.example:5432/peil?sslmode=require&application_name=x"
    assert mask_url(url) == (
        "postgresql://peil:***@db.example:5432/peil?sslmode=require&application_name=x"
    )


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "collector", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def unreachable_env(tmp_path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    url = f"postgresql://peil:{SECRET}@127.0.0.1:{free_port()}/peil?sslpassword={SECRET}"
    return {**clean, "PEIL_DATABASE_URL": url, "PEIL_DATA_DIR": str(tmp_path / "data")}


def test_config_shows_the_database_url_masked(unreachable_env):
    done = run(unreachable_env, "config")
    assert done.returncode == 0
    assert "peil:***@127.0.0.1" in done.stdout and "sslpassword=***" in done.stdout
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "argv", [("status",), ("sites", "list"), ("migrate",), ("purge", "--dry-run"), ("serve",)]
)
def test_an_unreachable_database_is_named_without_its_password(unreachable_env, argv):
    done = run({**unreachable_env, "PEIL_PORT": str(free_port())}, *argv)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "***" in output or argv == ("status",), output
    assert SECRET not in output


@pytest.mark.parametrize("argv", [("status",), ("serve",)])
def test_a_malformed_database_url_is_one_sentence_without_its_password(unreachable_env, argv):
    env = {**unreachable_env, "PEIL_DATABASE_URL": f"postgresql://peil:{SECRET}@localhost:abc/p"}
    done = run({**env, "PEIL_PORT": str(free_port())}, *argv)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "is not one PostgreSQL can be reached at" in output and "Traceback" not in output
    assert SECRET not in output


def test_serve_logs_no_password_from_start_to_stop(database_url, tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    port = free_port()
    env = {
        **clean,
        "PEIL_DATABASE_URL": with_password(database_url),
        "PEIL_DATA_DIR": str(tmp_path / "data"),
        "PEIL_PORT": str(port),
        "PEIL_LOG_LEVEL": "DEBUG",
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "collector", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", serve)
    finally:
        serve.send_signal(signal.SIGTERM)
        stdout, stderr = serve.communicate(timeout=60)
    assert "ready" in stderr  # the start-up line, with the URL in it
    assert ":***@" in stderr
    assert SECRET not in stdout + stderr
