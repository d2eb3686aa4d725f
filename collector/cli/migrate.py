"""`peil migrate`: apply the SQL migrations that are missing."""

from __future__ import annotations

import argparse
import asyncio

from collector.cli.common import add_command
from collector.config import Settings
from collector.db.connect import connection, database_server
from collector.db.migrate import load_migrations, prepare_database


def register(commands: argparse._SubParsersAction) -> None:
    add_command(commands, "migrate", migrate)


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply the numbered migrations of sql/ that this database lacks (idempotent)."""

    async def work(url: str) -> list[str]:
        async with connection(url) as conn:
            applied = await prepare_database(conn)
        return [f"{m.version:04d}_{m.name}" for m in applied]

    with database_server(settings) as url:
        applied = asyncio.run(work(url))
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print(f"up to date ({len(load_migrations())} migrations)")
    return 0
