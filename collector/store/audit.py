"""The audit trail: one `audit_log` row per purge and per read of per-visitor data."""

from __future__ import annotations

import getpass
import os
from typing import Any

import asyncpg
import orjson


def cli_actor() -> str:
    """'cli:<os user>': who ran a command, as far as this machine knows."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (containers)
        user = f"uid {os.getuid()}"
    return f"cli:{user}"


async def record(conn: asyncpg.Connection, actor: str, action: str, detail: dict[str, Any]) -> None:
    await conn.execute(
        "INSERT INTO audit_log (actor, action, detail) VALUES ($1, $2, $3::jsonb)",
        actor,
        action,
        orjson.dumps(detail).decode(),
    )
