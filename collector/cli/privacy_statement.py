"""`peil privacy-statement --site KEY [--lang nl|en] [--format md|html]`."""

from __future__ import annotations

import argparse
import sys

import asyncpg

from collector.cli.common import add_command, with_database
from collector.config import Settings
from collector.privacy.statement import FORMATS, LANGUAGES, statement_for
from collector.store.audit import cli_actor
from collector.store.sites import site_by_key


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "privacy-statement", privacy_statement_command)
    parser.add_argument("--site", metavar="KEY", required=True, help="the site's key")
    parser.add_argument("--lang", choices=LANGUAGES, default="nl", help="language (default: nl)")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md: Markdown (default); html: a fragment to paste into a page, without script",
    )


def privacy_statement_command(args: argparse.Namespace, settings: Settings) -> int:
    """Print the site's privacy statement (what is collected and why, how long it is kept,
    the cookie table, the visitor's rights and how to use them), generated from the live
    configuration (PEIL_* settings) and the site's settings (retention, consent, contact)."""

    async def work(conn: asyncpg.Connection) -> tuple[str, bool]:
        text = await statement_for(
            conn, args.site, settings, args.lang, args.format, actor=cli_actor()
        )
        site = await site_by_key(conn, args.site)
        return text, bool(site and site.contact)

    text, has_contact = with_database(settings, work)
    sys.stdout.write(text)
    if not has_contact:
        print(
            f"peil: site {args.site} has no contact address, so the statement names none;"
            f" set one with `peil sites edit {args.site} --contact EMAIL`.",
            file=sys.stderr,
        )
    return 0
