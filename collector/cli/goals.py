"""`peil goals add|list|remove`: a site's conversion goals."""

from __future__ import annotations

import argparse

from collector.cli.common import add_command, add_group, format_table, with_database
from collector.config import Settings
from collector.errors import PeilError
from collector.store.audit import cli_actor
from collector.store.goals import add_goal, check_goal, list_goals, remove_goal
from collector.store.sites import Site, site_by_key


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "goals", "Manage a site's conversion goals.")
    add = add_command(group, "add", add_command_)
    add.add_argument("--site", required=True, metavar="KEY")
    add.add_argument("name", metavar="NAME", help="a name for people, such as 'Signed up'")
    what = add.add_mutually_exclusive_group(required=True)
    what.add_argument("--event", metavar="NAME", help="reached by this custom event")
    what.add_argument(
        "--page", metavar="PATTERN", help="reached on pages matching this path; * matches any run"
    )
    listing = add_command(group, "list", list_command)
    listing.add_argument("--site", required=True, metavar="KEY")
    remove = add_command(group, "remove", remove_command)
    remove.add_argument("--site", required=True, metavar="KEY")
    remove.add_argument("name", metavar="NAME")


async def the_site(conn, key: str) -> Site:
    site = await site_by_key(conn, key)
    if site is None:
        raise PeilError(f"There is no site with the key {key[:64]!r}; see: peil sites list.")
    return site


def add_command_(args: argparse.Namespace, settings: Settings) -> int:
    """Add a goal: a custom event (--event) or pages matching a pattern (--page)."""
    goal = check_goal(
        args.name, "event" if args.event else "page", args.event if args.event else args.page
    )

    async def work(conn) -> None:
        site = await the_site(conn, args.site)
        await add_goal(conn, site.id, goal, actor=cli_actor())

    with_database(settings, work)
    print(f"added goal {goal.name!r} ({goal.kind} {goal.match})")
    return 0


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    """List a site's goals: name, kind, what reaches it."""

    async def work(conn):
        return await list_goals(conn, (await the_site(conn, args.site)).id)

    goals = with_database(settings, work)
    if not goals:
        print(f"No goals yet; add one with: peil goals add --site {args.site} NAME --event E")
        return 0
    print(format_table(("NAME", "KIND", "MATCH"), [(g.name, g.kind, g.match) for g in goals]))
    return 0


def remove_command(args: argparse.Namespace, settings: Settings) -> int:
    """Remove a goal by name."""

    async def work(conn) -> None:
        site = await the_site(conn, args.site)
        await remove_goal(conn, site.id, args.name, actor=cli_actor())

    with_database(settings, work)
    print(f"removed goal {args.name!r}")
    return 0
