"""Connections to PostgreSQL, with failures turned into one clear sentence."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from collector.config import Settings, mask_url
from collector.db.embedded import EmbeddedPostgres
from collector.db.queries import load
from collector.db.splice import splice
from collector.errors import PeilError

SQL = load(__name__)

DATABASE_NAME = "peil"
CONNECT_TIMEOUT_S = 10
# Long enough for a purge or migration statement, short enough that a hung
# server surfaces as an error instead of a stuck process.
COMMAND_TIMEOUT_S = 300

_UNREACHABLE = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


@contextmanager
def database_server(settings: Settings) -> Iterator[str]:
    """Yield the URL of Peil's database: PEIL_DATABASE_URL, or the embedded server.

    For the embedded server this creates the `peil` database on first use and
    lets go of the server on exit (it stops if this was the last user).
    """
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.postgres_dir)
    admin_url = embedded.start()
    try:
        asyncio.run(_ensure_database(admin_url, DATABASE_NAME))
        yield _with_database(admin_url, DATABASE_NAME)
    finally:
        embedded.stop()


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


async def _ensure_database(admin_url: str, database: str) -> None:
    async with connection(admin_url) as conn:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # Another peil process may create it at the same moment.
            with suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(splice(SQL.ensure_database, database=database))


@asynccontextmanager
async def connection(url: str) -> AsyncIterator[asyncpg.Connection]:
    """One connection, for CLI commands and jobs."""
    try:
        conn = await asyncpg.connect(
            url,
            timeout=CONNECT_TIMEOUT_S,
            command_timeout=COMMAND_TIMEOUT_S,
            server_settings={"application_name": "peil"},
        )
    except _UNREACHABLE as exc:
        raise unreachable(url, exc) from None
    except ValueError:  # asyncpg's word for a URL it cannot parse (a port that is no number)
        raise malformed(url) from None
    try:
        yield conn
    finally:
        await conn.close()


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    """The pool a server process shares between dashboard queries and jobs."""
    try:
        return await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=CONNECT_TIMEOUT_S,
            command_timeout=COMMAND_TIMEOUT_S,
            max_inactive_connection_lifetime=300,
            server_settings={"application_name": "peil"},
        )
    except _UNREACHABLE as exc:
        raise unreachable(url, exc) from None
    except ValueError:
        raise malformed(url) from None


def malformed(url: str) -> PeilError:
    # Not the parser's message: it may quote the URL, password included.
    return PeilError(f"The database URL {mask_url(url)} is not one PostgreSQL can be reached at.")


def unreachable(url: str, exc: BaseException) -> PeilError:
    reason = str(exc).strip().rstrip(".") or type(exc).__name__
    reason = reason.splitlines()[0]
    return PeilError(f"Could not reach PostgreSQL at {mask_url(url)}: {reason}.")
