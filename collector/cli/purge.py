"""`peil purge [--dry-run]`: enforce retention now and say what was removed."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TextIO

import asyncpg

from collector.cli.common import add_command, with_database
from collector.config import Settings
from collector.errors import PeilError
from collector.retention.purge import PurgeReport, purge
from collector.store.audit import cli_actor


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "purge", purge_command)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be removed and change nothing (writes no audit row)",
    )


def purge_command(args: argparse.Namespace, settings: Settings) -> int:
    """Enforce retention: drop the day partitions that lie entirely before now minus
    PEIL_RETENTION_DAYS, delete older rows of sites with a shorter retention, make
    sure the next days' partitions exist, and write one audit_log row. Only one
    purge runs at a time; a second one exits with code 2."""
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None

    async def work(conn: asyncpg.Connection) -> PurgeReport:
        try:
            return await purge(
                conn,
                now=datetime.now(UTC),
                retention_days=settings.retention_days,
                aggregate_retention_days=settings.aggregate_retention_days,
                actor=cli_actor(),
                dry_run=args.dry_run,
                progress=progress,
            )
        except TimeoutError:
            raise PeilError(
                "The purge stopped: PostgreSQL did not answer within the statement timeout;"
                " run it again (what it removed so far is recorded in audit_log)."
            ) from None
        finally:
            if progress:
                progress.clear()

    report = with_database(settings, work)
    for line in describe(report):
        print(line)
    return 0


def describe(report: PurgeReport) -> list[str]:
    """The report as lines for people: what went (or would go), then a total."""
    would = "would " if report.dry_run else ""
    lines = ["dry run: nothing is changed"] if report.dry_run else []
    lines.append(
        f"cutoff {_when(report.plan.cutoff)} (PEIL_RETENTION_DAYS={report.plan.retention_days})"
    )
    for site_id, cutoff in report.plan.site_cutoffs.items():
        site = report.sites[site_id]
        lines.append(
            f"site {site.key} ({site.name}) keeps {site.retention_days} days:"
            f" cutoff {_when(cutoff)}"
        )
    lines += [f"{would}create partition {name}" for name in report.created]
    lines += [
        f"{would}drop partition {name} ({rows:,} rows)" for name, rows in report.dropped.items()
    ]
    for site_id, rows in sorted(report.deleted.items()):
        site = report.sites.get(site_id)
        label = f"site {site.key} ({site.name})" if site else f"unknown site #{site_id}"
        lines.append(f"{would}delete {rows:,} rows of {label}")
    lines += [
        f"{would}delete {rows:,} aggregate rows of {table}"
        for table, rows in report.aggregates.items()
    ]
    lines.append(_total(report))
    return lines


def _total(report: PurgeReport) -> str:
    if not report.removed_anything:
        return "nothing to remove: no partition or row is older than its retention"
    if report.dry_run:
        return f"dry run: would remove {report.totals()}"
    return f"done in {report.seconds:.1f} s: removed {report.totals()}"


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


class TerminalProgress:
    """One status line on a terminal, rewritten in place (never in pipes or logs)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, message: str) -> None:
        self.stream.write(f"\r\x1b[K{message}")
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()
