"""`peil users add|list|remove|passwd|grant|revoke`: dashboard logins and what they read."""

from __future__ import annotations

import argparse
import getpass
import sys

from collector.accounts.passwords import check_password, hash_password
from collector.accounts.principal import ROLES
from collector.accounts.users import (
    add_user,
    check_email,
    check_role,
    grant,
    list_users,
    remove_user,
    revoke,
    set_password,
)
from collector.cli.common import add_command, add_group, format_table, with_database
from collector.config import Settings
from collector.errors import PeilError
from collector.store.audit import cli_actor


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "users", "Manage dashboard logins, their roles and sites.")
    add = add_command(group, "add", add_user_command)
    add.add_argument("email", metavar="EMAIL")
    add.add_argument(
        "--role",
        choices=ROLES,
        help="admin: every site and all settings; viewer: the sites granted"
        " (default: admin for the first user, viewer after)",
    )
    add.add_argument(
        "--site", action="append", default=[], metavar="KEY", help="grant a site; repeatable"
    )
    add_password_stdin(add)
    add_command(group, "list", list_command)
    remove = add_command(group, "remove", remove_command)
    remove.add_argument("email", metavar="EMAIL")
    passwd = add_command(group, "passwd", passwd_command)
    passwd.add_argument("email", metavar="EMAIL")
    add_password_stdin(passwd)
    for name, handler in (("grant", grant_command), ("revoke", revoke_command)):
        parser = add_command(group, name, handler)
        parser.add_argument("email", metavar="EMAIL")
        parser.add_argument("--site", required=True, metavar="KEY", help="the site's key")


def add_password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
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
    """Add a dashboard user; the password is stored as an argon2id hash. The first user
    is an admin, later ones are viewers unless --role admin."""
    email = check_email(args.email)
    role = check_role(args.role) if args.role else None
    password_hash = hash_password(check_password(read_password(args.password_stdin)))
    info = with_database(
        settings,
        lambda conn: add_user(conn, email, password_hash, role, args.site, actor=cli_actor()),
    )
    sites = f" reading {', '.join(info.sites)}" if info.sites else ""
    print(f"added {info.email} as {info.role}{sites}")
    return 0


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    """List users: email, role, the sites granted, live API tokens, when added."""
    users = with_database(settings, list_users)
    if not users:
        print("No users yet; add one with: peil users add EMAIL")
        return 0
    rows = [
        (
            u.email,
            u.role,
            "(every site)" if u.role == "admin" else ",".join(u.sites) or "(none)",
            u.tokens,
            u.created_at.date().isoformat(),
        )
        for u in users
    ]
    print(format_table(("EMAIL", "ROLE", "SITES", "TOKENS", "ADDED"), rows))
    return 0


def remove_command(args: argparse.Namespace, settings: Settings) -> int:
    """Remove a user, with their sessions, API tokens and grants (not the last admin)."""
    info = with_database(settings, lambda conn: remove_user(conn, args.email, actor=cli_actor()))
    print(f"removed {info.email}")
    return 0


def passwd_command(args: argparse.Namespace, settings: Settings) -> int:
    """Set a user's password; every session of that user ends."""
    password_hash = hash_password(check_password(read_password(args.password_stdin)))
    ended = with_database(
        settings, lambda conn: set_password(conn, args.email, password_hash, actor=cli_actor())
    )
    print(f"password changed; {ended} session{'s' * (ended != 1)} ended")
    return 0


def grant_command(args: argparse.Namespace, settings: Settings) -> int:
    """Let a viewer read a site."""
    changed = with_database(
        settings, lambda conn: grant(conn, args.email, args.site, actor=cli_actor())
    )
    print(f"{args.email} {'now reads' if changed else 'already read'} {args.site}")
    return 0


def revoke_command(args: argparse.Namespace, settings: Settings) -> int:
    """Stop a viewer reading a site."""
    changed = with_database(
        settings, lambda conn: revoke(conn, args.email, args.site, actor=cli_actor())
    )
    print(f"{args.email} {'no longer reads' if changed else 'did not read'} {args.site}")
    return 0
