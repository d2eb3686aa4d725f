"""`peil sites add|list|edit|remove`: the sites whose events Peil accepts."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from collector.cli.common import add_command, add_group, format_table, positive_int, with_database
from collector.config import Settings
from collector.errors import PeilError
from collector.retention.site_removal import remove_site
from collector.store.audit import cli_actor
from collector.store.sites import (
    CONSENT_MODES,
    add_site,
    checked_changes,
    edit_site,
    list_sites_with_counts,
    snippet,
)


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "sites", "Add, list, change and remove tracked sites.")
    add = add_command(group, "add", add_site_command)
    add.add_argument("name", metavar="NAME", help="a name for people, such as 'Studio Noord'")
    add_site_options(add, required_domain=True)
    add_command(group, "list", list_command)
    edit = add_command(group, "edit", edit_command)
    edit.add_argument("key", metavar="KEY", help="the site's key")
    edit.add_argument("--name", metavar="N", help="a new name")
    add_site_options(edit, required_domain=False)
    remove = add_command(group, "remove", remove_command)
    remove.add_argument("key", metavar="KEY", help="the site's key")
    remove.add_argument(
        "--yes", action="store_true", help="really delete its raw events and aggregates"
    )


def add_site_options(parser: argparse.ArgumentParser, *, required_domain: bool) -> None:
    """The options `sites add` and `sites edit` share (edit: only those given change)."""
    parser.add_argument(
        "--domain",
        action="append",
        required=required_domain,
        metavar="D",
        help="a domain events may come from (subdomains included); repeatable"
        + ("" if required_domain else "; replaces the domains"),
    )
    parser.add_argument(
        "--retention-days",
        type=positive_int,
        metavar="N",
        help="keep this site's raw events for fewer days than PEIL_RETENTION_DAYS",
    )
    parser.add_argument(
        "--timezone",
        default="UTC" if required_domain else None,
        metavar="TZ",
        help="IANA time zone the dashboard days are counted in"
        + (" (default UTC)" if required_domain else "; days already rolled up keep theirs"),
    )
    parser.add_argument(
        "--consent",
        choices=CONSENT_MODES,
        default="none" if required_domain else None,
        help="required: the tracker sets its peil_id cookie only after peil.consent(true);"
        " none: cookieless (default)",
    )
    parser.add_argument(
        "--contact",
        metavar="EMAIL",
        help="where visitors send privacy requests (the statement names it); '' clears it",
    )


def site_changes(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """The options given, checked, as keyword arguments of add_site/edit_site."""
    given = {
        "name": getattr(args, "name", None),
        "domains": args.domain,
        "retention_days": args.retention_days,
        "timezone": args.timezone,
        "consent": args.consent,
        "contact": args.contact,
    }
    present = {name: value for name, value in given.items() if value is not None}
    return checked_changes(present, settings.retention_days)


def add_site_command(args: argparse.Namespace, settings: Settings) -> int:
    """Add a site. Prints the site key on the first line, then the snippet to paste into
    the site's pages."""
    changes = site_changes(args, settings)
    site = with_database(
        settings,
        lambda conn: add_site(
            conn,
            changes.pop("name"),
            changes.pop("domains"),
            changes.pop("retention_days", None),
            **changes,
            actor=cli_actor(),
        ),
    )
    print(site.key)
    print(snippet(site, settings.public_url))
    return 0


def edit_command(args: argparse.Namespace, settings: Settings) -> int:
    """Change a site: only the options given change. Prints the snippet, which changes
    with --consent."""
    changes = site_changes(args, settings)
    if not changes:
        raise PeilError("Nothing to change; give at least one option (see peil sites edit --help).")
    site = with_database(
        settings, lambda conn: edit_site(conn, args.key, actor=cli_actor(), **changes)
    )
    print(f"changed {site.key}: {', '.join(sorted(changes))}")
    print(snippet(site, settings.public_url))
    return 0


def remove_command(args: argparse.Namespace, settings: Settings) -> int:
    """Remove a site with all its raw events and aggregates (audited); needs --yes."""
    if not args.yes:
        raise PeilError(
            f"Removing {args.key} deletes all its raw events and aggregates; add --yes to do it."
        )

    def progress(message: str) -> None:
        if sys.stderr.isatty():
            print(f"\r{message}\033[K", end="", file=sys.stderr)

    deleted = with_database(
        settings, lambda conn: remove_site(conn, args.key, cli_actor(), progress)
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"removed {args.key} and {deleted:,} raw events with its aggregates")
    return 0


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    """List sites: key, name, domains, retention, time zone, consent, event count."""
    rows = with_database(settings, list_sites_with_counts)
    if not rows:
        print("No sites yet; add one with: peil sites add NAME --domain example.nl")
        return 0
    print(
        format_table(
            ("KEY", "NAME", "DOMAINS", "RETENTION", "TIMEZONE", "CONSENT", "EVENTS"),
            [
                (
                    site.key,
                    site.name,
                    ",".join(site.domains),
                    f"{site.retention_days or settings.retention_days}d",
                    site.timezone,
                    site.consent,
                    f"{count:,}",
                )
                for site, count in rows
            ],
        )
    )
    return 0
