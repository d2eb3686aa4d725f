"""`peil tokens create|list|revoke`: API tokens for `Authorization: Bearer`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from collector.accounts.tokens import create_token, list_tokens, revoke_token
from collector.cli.common import add_command, add_group, format_table, positive_int, with_database
from collector.config import Settings
from collector.store.audit import cli_actor


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "tokens", "Manage API tokens (read-only, the user's sites).")
    create = add_command(group, "create", create_command)
    create.add_argument("--user", required=True, metavar="EMAIL")
    create.add_argument("--name", default="", metavar="N", help="what the token is for")
    create.add_argument(
        "--expires-days", type=positive_int, metavar="N", help="stop working after N days"
    )
    listing = add_command(group, "list", list_command)
    listing.add_argument("--user", metavar="EMAIL", help="only this user's tokens")
    revoke = add_command(group, "revoke", revoke_command)
    revoke.add_argument("id", type=positive_int, metavar="ID", help="the token's id (tokens list)")


def create_command(args: argparse.Namespace, settings: Settings) -> int:
    """Create an API token for a user and print only the token (it is shown this once)."""
    _, token = with_database(
        settings,
        lambda conn: create_token(conn, args.user, args.name, args.expires_days, actor=cli_actor()),
    )
    print(token)
    return 0


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    """List API tokens: id, user, name, state, created, expires, last used (never the
    token itself: only its hash is stored)."""
    tokens = with_database(settings, lambda conn: list_tokens(conn, args.user))
    if not tokens:
        print("No tokens; create one with: peil tokens create --user EMAIL")
        return 0
    now = datetime.now(UTC)
    rows = [
        (
            t.id,
            t.email,
            t.name or "-",
            t.state(now),
            when(t.created_at),
            when(t.expires_at),
            when(t.last_used_at),
        )
        for t in tokens
    ]
    print(format_table(("ID", "USER", "NAME", "STATE", "CREATED", "EXPIRES", "LAST USED"), rows))
    return 0


def revoke_command(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke an API token: it answers 401 from now on."""
    info = with_database(settings, lambda conn: revoke_token(conn, args.id, actor=cli_actor()))
    print(f"revoked token {info.id} of {info.email}")
    return 0
