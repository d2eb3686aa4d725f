"""`peil users add`: dashboard logins."""

from __future__ import annotations

import argparse
import getpass
import sys

from collector.cli.common import add_command, add_group, with_database
from collector.config import Settings
from collector.errors import PeilError
from collector.store.accounts import add_user, check_email, check_password


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "users", "Manage dashboard logins.")
    add = add_command(group, "add", add_user_command)
    add.add_argument("email", metavar="EMAIL")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise PeilError("No terminal to ask for a password; pipe it in with --password-stdin.")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise PeilError("The two passwords differ.")
    return first


def add_user_command(args: argparse.Namespace, settings: Settings) -> int:
    """Add a dashboard user; the password is stored as an argon2id hash."""
    email = check_email(args.email)
    password = check_password(read_password(args.password_stdin))
    with_database(settings, lambda conn: add_user(conn, email, password))
    print(f"added {email}")
    return 0
