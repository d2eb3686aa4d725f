"""The audit trail: one `audit_log` row per purge, per read or erasure of
per-visitor data and per admin action; the action names are
AUDIT_ACTIONS in collector/model/vocabulary.py."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from collector.db.queries import load
from collector.model.vocabulary import AUDIT_ACTIONS

SQL = load(__name__)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


def cli_actor() -> str:
    """'cli:<os user>': who ran a command, as far as this machine knows."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (containers)
        user = f"uid {os.getuid()}"
    return f"cli:{user}"


async def record(conn: asyncpg.Connection, actor: str, action: str, detail: dict[str, Any]) -> None:
    """One audit row. `action` is one of AUDIT_ACTIONS (a typo fails here, loudly,
    rather than writing rows `peil audit --action` can never select)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"{action!r} is not one of model.vocabulary.AUDIT_ACTIONS")
    await conn.execute(
        "INSERT INTO audit_log (actor, action, detail) VALUES ($1, $2, $3::jsonb)",
        actor,
        action,
        orjson.dumps(detail).decode(),
    )


async def audit_rows(
    conn: asyncpg.Connection | asyncpg.Pool,
    since: datetime | None = None,
    action: str | None = None,
) -> list[AuditRow]:
    """The trail from `since` on (everything if None), of one action or all, oldest first."""
    rows = await conn.fetch(SQL.audit_rows, since, action)
    return [
        AuditRow(r["id"], r["at"], r["actor"], r["action"], orjson.loads(r["detail"])) for r in rows
    ]
