"""`peil forget --uid ID | --sid ID [--site KEY]`: erase one consented visitor's raw events."""

from __future__ import annotations

import argparse
import sys

import asyncpg

from collector.cli.common import add_command, with_database
from collector.cli.purge import TerminalProgress
from collector.config import Settings
from collector.privacy.forget import forget
from collector.privacy.subject import site_id_for_key
from collector.store.audit import cli_actor


def add_subject_options(parser: argparse.ArgumentParser) -> None:
    """--uid | --sid (exactly one) and --site: who a privacy request is about."""
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--uid", metavar="ID", help="the visitor id of the peil_id cookie")
    who.add_argument("--sid", metavar="ID", help="one session id of the peil_id cookie")
    parser.add_argument("--site", metavar="KEY", help="only this site's events (default: all)")


def register(commands: argparse._SubParsersAction) -> None:
    add_subject_options(add_command(commands, "forget", forget_command))


def forget_command(args: argparse.Namespace, settings: Settings) -> int:
    """Erase one consent-mode visitor's raw events (GDPR art. 17): every event with this
    uid or sid in every day partition, deleted in short batches while ingest goes on,
    and, through peil serve, the ones its collectors accepted but had not written yet.
    Prints how many; writes an audit_log row. Aggregates stay: they hold no identifier."""
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None

    async def work(conn: asyncpg.Connection) -> int:
        site_id = await site_id_for_key(conn, args.site)
        try:
            return await forget(
                conn,
                uid=args.uid,
                sid=args.sid,
                site_id=site_id,
                actor=cli_actor(),
                progress=progress,
            )
        finally:
            if progress:
                progress.clear()

    deleted = with_database(settings, work)
    print(f"deleted {deleted:,} event{'' if deleted == 1 else 's'}")
    print(
        "peil serve deletes any more that were still on their way (its spool) as they arrive;"
        " aggregates are kept"
    )
    return 0
