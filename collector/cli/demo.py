"""`peil demo`: a demo site, a login and three weeks of synthetic traffic, so a
newcomer's first dashboard looks alive."""

from __future__ import annotations

import argparse
import sys

import asyncpg

from collector.accounts.passwords import hash_password
from collector.accounts.users import add_user, grant, user_id_by_email
from collector.cli.common import add_command, with_database
from collector.cli.demo_traffic import add_demo_traffic
from collector.config import Settings
from collector.rollup.job import refold_site
from collector.store.audit import cli_actor
from collector.store.sites import add_site

DEMO_SITE_NAME = "Peil demo"
DEMO_DOMAIN = "demo.peil.localhost"
DEMO_EMAIL = "demo@peil.localhost"
DEMO_PASSWORD = "peil-demo-password"
DEMO_TIMEZONE = "Europe/Amsterdam"
DEMO_DAYS = 21


def register(commands: argparse._SubParsersAction) -> None:
    add_command(commands, "demo", demo)


def show_progress(done: int, total: int) -> None:
    print(f"\rdemo traffic: day {done}/{total}", end="" if done < total else "\n", file=sys.stderr)


async def ensure_demo(conn: asyncpg.Connection) -> str:
    row = await conn.fetchrow("SELECT id, key FROM sites WHERE name = $1", DEMO_SITE_NAME)
    if row is None:
        site = await add_site(conn, DEMO_SITE_NAME, [DEMO_DOMAIN], None, DEMO_TIMEZONE)
        site_id, key = site.id, site.key
    else:
        site_id, key = row["id"], row["key"]
    if await user_id_by_email(conn, DEMO_EMAIL) is None:
        # The first user of a fresh instance, so an admin; a viewer of the demo
        # site where users existed before.
        await add_user(conn, DEMO_EMAIL, hash_password(DEMO_PASSWORD), actor=cli_actor())
        await grant(conn, DEMO_EMAIL, key, actor=cli_actor())
    # Traffic goes in in one transaction: any row means it is all there.
    if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM events WHERE site_id = $1)", site_id):
        progress = show_progress if sys.stderr.isatty() else None
        await add_demo_traffic(conn, site_id, DEMO_TIMEZONE, DEMO_DAYS, progress)
        await refold_site(conn, site_id)
    return key


def demo(args: argparse.Namespace, settings: Settings) -> int:
    """Create the demo site, a demo login and three weeks of synthetic traffic (idempotent:
    traffic is added only once), and print the login."""
    key = with_database(settings, ensure_demo)
    print(f"demo site: {key} ({DEMO_DOMAIN})")
    print(f"dashboard: {settings.public_url}/")
    print(f"login:     {DEMO_EMAIL} / {DEMO_PASSWORD}")
    return 0
