"""What the commands share: running database work, printing tables."""

from __future__ import annotations

import argparse
import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import asyncpg

from collector.config import Settings
from collector.db.connect import connection, database_server
from collector.db.migrate import apply_migrations
from collector.errors import PeilError

T = TypeVar("T")


def no_overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {}


def add_command(
    commands: argparse._SubParsersAction, name: str, handler: Callable, **kwargs: Any
) -> argparse.ArgumentParser:
    """Add a (sub)command whose handler gets (args, settings); its help is the
    handler's docstring (one place for what a command does).

    A command that sets `reads_environment=True` gets (args, environ) instead:
    the raw environment, with no settings loaded (`peil config`, which shows
    bad or unknown variables instead of stopping at the first).
    """
    help = " ".join((inspect.getdoc(handler) or "").split())  # none under python -OO
    parser = commands.add_parser(name, help=help, description=help, **kwargs)
    parser.set_defaults(handler=handler, settings_overrides=no_overrides, reads_environment=False)
    return parser


def add_group(commands: argparse._SubParsersAction, name: str, help: str):
    parser = commands.add_parser(name, help=help, description=help)
    return parser.add_subparsers(title="commands", metavar="COMMAND", required=True)


def with_database(settings: Settings, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `work` on a migrated database (embedded or PEIL_DATABASE_URL)."""
    with database_server(settings) as url:
        return asyncio.run(_migrated(url, work))


async def _migrated(url: str, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    async with connection(url) as conn:
        await apply_migrations(conn)
        try:
            return await work(conn)
        except asyncpg.PostgresError as exc:
            raise PeilError(f"The database refused the command: {exc}.") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
