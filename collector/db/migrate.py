"""Apply the numbered SQL files of sql/migrations once each, in order.

Each migration runs in its own transaction together with its row in
`schema_migrations`, so a failed migration leaves no trace and is retried on
the next start. A session advisory lock makes concurrent starts (several
workers, or `serve` beside `migrate`) apply each file exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

from collector.db.partitions import ensure_partitions_ahead
from collector.db.queries import load
from collector.errors import PeilError

SQL = load(__name__)

# Arbitrary constant shared by every peil process: pg_advisory_lock key.
MIGRATION_LOCK_KEY = 0x7065696C_0001  # "peil" + 1


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def load_migrations() -> list[Migration]:
    """The migrations shipped with this version, sorted by number."""
    found = []
    for entry in resources.files("collector.sql").joinpath("migrations").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise PeilError("Two migration files in sql/migrations share a number.")
    return found


async def apply_migrations(conn: asyncpg.Connection) -> list[Migration]:
    """Apply what is missing; return the migrations applied by this call."""
    applied_now = []
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(SQL["apply_migrations.create_table"])
        done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
        for migration in load_migrations():
            if migration.version in done:
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            applied_now.append(migration)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
    return applied_now


async def prepare_database(conn: asyncpg.Connection) -> list[Migration]:
    """What every start needs: missing migrations applied, today's and the next
    days' partitions in place. Returns the migrations applied."""
    applied = await apply_migrations(conn)
    await ensure_partitions_ahead(conn)
    return applied
