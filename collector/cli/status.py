"""`peil status`: database, partitions, collector, spool and last purge at a glance."""

from __future__ import annotations

import argparse
import json
import urllib.request
from pathlib import Path

import asyncpg

from collector.cli.common import add_command, with_database
from collector.config import Settings
from collector.db.partitions import list_partitions
from collector.db.queries import load
from collector.jobs.leader import APPLICATION_PREFIX, jobs_holder

SQL = load(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    add_command(commands, "status", status)


async def database_facts(conn: asyncpg.Connection) -> dict[str, object]:
    days = await list_partitions(conn)
    last_purge = await conn.fetchval("SELECT max(at) FROM audit_log WHERE action = 'purge'")
    return {
        "server": await conn.fetchval("SHOW server_version"),
        "size": await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))"),
        "sites": await conn.fetchval("SELECT count(*) FROM sites"),
        # Planner estimate: exact count(*) over months of events takes too long.
        "events": await conn.fetchval(SQL["database_facts.events"]),
        "partitions": days,
        "last_purge": last_purge,
        "jobs_holder": await jobs_holder(conn),
    }


def collector_health(settings: Settings) -> dict | None:
    """What the running collector says about itself, or None when none answers."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    host = f"[{host}]" if ":" in host else host
    try:
        with urllib.request.urlopen(f"http://{host}:{settings.port}/healthz", timeout=2) as r:
            return json.loads(r.read())
    except (OSError, ValueError):
        return None


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def status(args: argparse.Namespace, settings: Settings) -> int:
    """Show the database, its day partitions, the running collector's queue, the spool size,
    which node runs the scheduled jobs and the last purge."""
    facts = with_database(settings, database_facts)
    days = facts["partitions"]
    health = collector_health(settings)
    source = (
        "PEIL_DATABASE_URL" if settings.database_url else f"embedded in {settings.postgres_dir}"
    )
    lines = [
        ("database", f"PostgreSQL {facts['server']}, {source}, {facts['size']}"),
        ("sites", str(facts["sites"])),
        ("events", f"~{facts['events']:,} (planner estimate)"),
        ("partitions", f"{len(days)}, oldest {days[0]}, newest {days[-1]}" if days else "none"),
        ("collector", _describe_collector(settings, health)),
        ("spool", f"{directory_size(settings.spool_dir):,} bytes in {settings.spool_dir}"),
        ("jobs", _describe_jobs(facts["jobs_holder"])),
        (
            "last purge",
            facts["last_purge"].isoformat(timespec="seconds") if facts["last_purge"] else "never",
        ),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label.ljust(width)}  {value}")
    return 0


def _describe_jobs(holder: str | None) -> str:
    """Which node runs the scheduled jobs (the holder of the jobs lock)."""
    if holder is None:
        return "no node runs the scheduled jobs now"
    return f"run by {holder.removeprefix(APPLICATION_PREFIX).strip() or 'an unnamed node'}"


def _describe_collector(settings: Settings, health: dict | None) -> str:
    where = f"{settings.host}:{settings.port}"
    if health is None:
        return f"not running on {where}"
    parts = [f"{health.get('status', '?')} on {where}"]
    if "queue_depth" in health:
        parts.append(f"queue depth {health['queue_depth']}")
    return ", ".join(parts)
