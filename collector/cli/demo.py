"""`peil demo`: a demo site and a login, so a newcomer sees Peil working at once."""

from __future__ import annotations

import argparse

import asyncpg

from collector.cli.common import add_command, with_database
from collector.config import Settings
from collector.store.accounts import add_user, user_id_by_email
from collector.store.sites import add_site

DEMO_SITE_NAME = "Peil demo"
DEMO_DOMAIN = "demo.peil.localhost"
DEMO_EMAIL = "demo@peil.localhost"
DEMO_PASSWORD = "peil-demo-password"


def register(commands: argparse._SubParsersAction) -> None:
    add_command(
        commands,
        "demo",
        demo,
        "Create the demo site and a demo login (idempotent), and print both.",
    )


async def ensure_demo(conn: asyncpg.Connection) -> str:
    key = await conn.fetchval("SELECT key FROM sites WHERE name = $1", DEMO_SITE_NAME)
    if key is None:
        key = (await add_site(conn, DEMO_SITE_NAME, [DEMO_DOMAIN], None, "Europe/Amsterdam")).key
    if await user_id_by_email(conn, DEMO_EMAIL) is None:
        await add_user(conn, DEMO_EMAIL, DEMO_PASSWORD)
    return key


def demo(args: argparse.Namespace, settings: Settings) -> int:
    key = with_database(settings, ensure_demo)
    print(f"demo site: {key} ({DEMO_DOMAIN})")
    print(f"dashboard: {settings.public_url}/")
    print(f"login:     {DEMO_EMAIL} / {DEMO_PASSWORD}")
    return 0
