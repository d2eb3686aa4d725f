"""`peil subject-export --uid ID | --sid ID [--site KEY] [--format json|csv]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import asyncpg
import orjson

from collector.cli.common import add_command, with_database
from collector.cli.forget import add_subject_options
from collector.config import Settings
from collector.privacy.subject import site_id_for_key
from collector.privacy.subject_export import subject_rows
from collector.store.audit import cli_actor
from dashboard.export import Encoder, plain


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
            write = JsonArray(export.columns) if args.format == "json" else CsvRows(export.columns)
            async for chunk in export.chunks():
                write(chunk)
            write.end()

    with_database(settings, work)
    return 0


class CsvRows:
    """CSV as the site export writes it (dashboard/export.py: formula cells neutralised)."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.encoder = Encoder("csv", columns)
        sys.stdout.write(self.encoder.header().decode())

    def __call__(self, records: Sequence[asyncpg.Record]) -> None:
        sys.stdout.write(self.encoder.rows(records).decode())

    def end(self) -> None:
        sys.stdout.flush()


class JsonArray:
    """One JSON document, an array of one object per event, written as it is read.

    Values as in the site export's NDJSON (dashboard.export.plain): type and
    device by name, times in ISO 8601, props as an object.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = columns
        self.first = True
        sys.stdout.write("[")

    def __call__(self, records: Sequence[asyncpg.Record]) -> None:
        for record in records:
            values = {n: plain(n, record[i]) for i, n in enumerate(self.columns)}
            sys.stdout.write(("\n" if self.first else ",\n") + orjson.dumps(values).decode())
            self.first = False

    def end(self) -> None:
        sys.stdout.write("]\n" if self.first else "\n]\n")
        sys.stdout.flush()
