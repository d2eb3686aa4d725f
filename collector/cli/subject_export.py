"""`peil subject-export --uid ID | --sid ID [--site KEY] [--format json|csv]`."""

from __future__ import annotations

import argparse
import sys

import asyncpg

from collector.cli.common import add_command, with_database
from collector.cli.forget import add_subject_options
from collector.config import Settings
from collector.privacy.subject import site_id_for_key
from collector.privacy.subject_export import subject_rows
from collector.store.audit import cli_actor
from dashboard.export import Encoder


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "subject-export", subject_export_command)
    add_subject_options(parser)
    parser.add_argument(
        "--format",
        choices=("json", "csv"),
        default="json",
        help="json: one JSON array of event objects (default); csv: a header row, one event a row",
    )


def subject_export_command(args: argparse.Namespace, settings: Settings) -> int:
    """Print every raw event of one consent-mode visitor (GDPR art. 15 and 20), with every
    field stored for it, oldest first, as JSON or CSV on stdout; writes an audit_log row.
    The README lists the fields."""

    async def work(conn: asyncpg.Connection) -> None:
        site_id = await site_id_for_key(conn, args.site)
        async with subject_rows(
            conn, uid=args.uid, sid=args.sid, site_id=site_id, actor=cli_actor(), fmt=args.format
        ) as export:
            encoder = Encoder(args.format, export.columns)
            sys.stdout.write(encoder.header().decode())
            async for chunk in export.chunks():
                sys.stdout.write(encoder.rows(chunk).decode())
            sys.stdout.write(encoder.footer().decode())
            sys.stdout.flush()

    with_database(settings, work)
    return 0
