"""`peil audit [--since YYYY-MM-DD] [--action A]`: the audit trail, one line a row."""

from __future__ import annotations

import argparse
from datetime import UTC, date

import asyncpg
import orjson

from collector.cli.common import add_command, format_table, with_database
from collector.config import Settings
from collector.model.vocabulary import AUDIT_ACTIONS
from collector.privacy.audit_trail import audit_rows, rows_of
from collector.store.audit import AuditRow, cli_actor


def since_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day such as 2026-12-01") from None


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "audit", audit_command)
    parser.add_argument(
        "--since", type=since_day, metavar="YYYY-MM-DD", help="from this UTC day on (default: all)"
    )
    parser.add_argument(
        "--action", metavar="A", help=f"only this action: {', '.join(AUDIT_ACTIONS)}"
    )


def audit_command(args: argparse.Namespace, settings: Settings) -> int:
    """Print the audit trail, oldest first: purges, exports, forgets, subject exports,
    logins, token, user and site changes. One line each: when (UTC), who, what, how many
    rows, and the rest of what was recorded. The read itself is recorded too."""

    async def work(conn: asyncpg.Connection) -> list[AuditRow]:
        return await audit_rows(conn, args.since, args.action, actor=cli_actor())

    rows = with_database(settings, work)
    if not rows:
        print("no audit rows" + (f" since {args.since}" if args.since else ""))
        return 0
    print(format_table(["when", "who", "what", "rows", "detail"], [line(row) for row in rows]))
    return 0


def line(row: AuditRow) -> list[str]:
    rows = rows_of(row)
    rest = {k: v for k, v in row.detail.items() if k != "rows"}
    return [
        row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        row.actor,
        row.action,
        "-" if rows is None else str(rows),
        orjson.dumps(rest).decode() if rest else "",
    ]
