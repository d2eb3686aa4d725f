"""`peil tokens create`: API tokens for `Authorization: Bearer`."""

from __future__ import annotations

import argparse

from collector.cli.common import add_command, add_group, with_database
from collector.config import Settings
from collector.errors import PeilError
from collector.store.accounts import create_token, user_id_by_email


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "tokens", "Manage API tokens.")
    create = add_command(group, "create", create_)
    create.add_argument("--user", required=True, metavar="EMAIL")


def create_(args: argparse.Namespace, settings: Settings) -> int:
    """Create an API token for a user and print only the token."""

    async def work(conn) -> str:
        user_id = await user_id_by_email(conn, args.user)
        if user_id is None:
            raise PeilError(f"There is no user {args.user}; add one with: peil users add EMAIL.")
        return await create_token(conn, user_id)

    print(with_database(settings, work))
    return 0
