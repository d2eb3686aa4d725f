"""Conversion goals of a site: a custom event by name, or pages matching a pattern."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from collector.db.queries import load
from collector.errors import PeilError
from collector.model.text import printable
from collector.store.audit import record

SQL = load(__name__)

KINDS = ("event", "page")
MAX_GOALS_PER_SITE = 100
MAX_TEXT = 200


@dataclass(frozen=True)
class Goal:
    name: str
    kind: str  # "event" or "page"
    match: str  # the event name, or a path pattern where * matches any run of characters


def is_wildcard(goal: Goal) -> bool:
    """A page goal matching more than one path: the daily rollup's page keys
    do not answer it (collector/rollup/day_reports.py makes its rows)."""
    return goal.kind == "page" and "*" in goal.match


def check_goal(name: str, kind: str, match: str) -> Goal:
    name, match = name.strip(), match.strip()
    if kind not in KINDS:
        raise PeilError(f"A goal is an event or a page goal, not {kind[:20]!r}.")
    for label, value in (("name", name), (kind, match)):
        if not value or not printable(value, MAX_TEXT):
            raise PeilError(f"The goal's {label} must be 1 to {MAX_TEXT} printable characters.")
    if kind == "page" and not match.startswith("/"):
        raise PeilError(
            f"A page goal's pattern is a path such as /thanks or /blog/*, not {match!r}."
        )
    return Goal(name, kind, match)


async def add_goal(conn: asyncpg.Connection, site_id: int, goal: Goal, *, actor: str) -> None:
    async with conn.transaction():
        count = await conn.fetchval("SELECT count(*) FROM goals WHERE site_id = $1", site_id)
        if count >= MAX_GOALS_PER_SITE:
            raise PeilError(f"A site has at most {MAX_GOALS_PER_SITE} goals.")
        try:
            await conn.execute(SQL.add_goal, site_id, goal.name, goal.kind, goal.match)
        except asyncpg.UniqueViolationError:
            raise PeilError(f"The site already has a goal named {goal.name!r}.") from None
        await record(conn, actor, "goal-add", {"site_id": site_id, **goal.__dict__})


async def list_goals(conn: asyncpg.Connection, site_id: int) -> list[Goal]:
    rows = await conn.fetch(SQL.list_goals, site_id)
    return [Goal(**dict(row)) for row in rows]


async def remove_goal(conn: asyncpg.Connection, site_id: int, name: str, *, actor: str) -> None:
    async with conn.transaction():
        removed = await conn.fetchrow(SQL.remove_goal, site_id, name)
        if removed is None:
            raise PeilError(f"The site has no goal named {name[:80]!r}.")
        # Its pattern's daily rows go with the last goal that has it.
        await conn.execute(SQL.forget_pattern_rows, site_id, removed["match"])
        await record(conn, actor, "goal-remove", {"site_id": site_id, "name": name})
