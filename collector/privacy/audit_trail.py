"""Reading the audit trail (`peil audit`, GET /api/admin/audit): which rows,
how many rows each action touched, and the read itself on record."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import asyncpg

from collector.errors import PeilError
from collector.model.vocabulary import AUDIT_ACTIONS
from collector.store import audit
from collector.store.audit import AuditRow


def check_action(action: str | None) -> str | None:
    if action is not None and action not in AUDIT_ACTIONS:
        known = ", ".join(AUDIT_ACTIONS)
        raise PeilError(f"{action!r} is not an audit action; use one of {known}.")
    return action


def day_start(day: date | None) -> datetime | None:
    """The first instant of a UTC day: `--since` counts in UTC, as the trail's times do."""
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


async def audit_rows(
    conn: asyncpg.Connection,
    since: date | None = None,
    action: str | None = None,
    *,
    actor: str,
) -> list[AuditRow]:
    """The trail from the UTC day `since` on, of one action or all, oldest first.

    The read is recorded after it (action "audit"), so it is not in its own answer.
    """
    rows = await audit.audit_rows(conn, day_start(since), check_action(action))
    detail = {"since": since.isoformat() if since else None, "action": action, "rows": len(rows)}
    await audit.record(conn, actor, "audit", detail)
    return rows


def rows_of(row: AuditRow) -> int | None:
    """How many rows the action touched: its `rows`, or a purge's dropped and
    deleted rows together; None for an action that counts none (a login)."""
    detail = row.detail
    if isinstance(detail.get("rows"), int):
        return detail["rows"]
    if row.action == "purge":
        return _sum(detail.get("partitions_dropped")) + _sum(detail.get("rows_deleted"))
    return None


def _sum(counts: Any) -> int:
    return sum(v for v in counts.values() if isinstance(v, int)) if isinstance(counts, dict) else 0
