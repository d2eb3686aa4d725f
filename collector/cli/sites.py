"""`peil sites add|list`: the sites whose events Peil accepts."""

from __future__ import annotations

import argparse

from collector.cli.common import add_command, add_group, format_table, positive_int, with_database
from collector.config import Settings
from collector.errors import PeilError
from collector.store.sites import add_site, check_timezone, list_sites_with_counts, normalize_domain


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "sites", "Add and list tracked sites.")
    add = add_command(group, "add", add_site_command)
    add.add_argument("name", metavar="NAME", help="a name for people, such as 'Studio Noord'")
    add.add_argument(
        "--domain",
        action="append",
        required=True,
        metavar="D",
        help="a domain events may come from (subdomains included); repeatable",
    )
    add.add_argument(
        "--retention-days",
        type=positive_int,
        metavar="N",
        help="keep this site's raw events for fewer days than PEIL_RETENTION_DAYS",
    )
    add.add_argument(
        "--timezone",
        default="UTC",
        metavar="TZ",
        help="IANA time zone the dashboard days are counted in (default UTC)",
    )
    add_command(group, "list", list_command)


def snippet(settings: Settings, key: str) -> str:
    return f'<script defer src="{settings.public_url}/peil.js" data-site="{key}"></script>'


def add_site_command(args: argparse.Namespace, settings: Settings) -> int:
    """Add a site. Prints the site key on the first line, then the snippet to paste into
    the site's pages."""
    name = args.name.strip()
    if not name:
        raise PeilError("The site name must not be empty.")
    domains = list(dict.fromkeys(normalize_domain(d) for d in args.domain))
    timezone = check_timezone(args.timezone)
    if args.retention_days is not None and args.retention_days > settings.retention_days:
        raise PeilError(
            f"--retention-days must be at most PEIL_RETENTION_DAYS ({settings.retention_days}):"
            " the purge drops days older than that for every site."
        )
    site = with_database(
        settings, lambda conn: add_site(conn, name, domains, args.retention_days, timezone)
    )
    print(site.key)
    print(snippet(settings, site.key))
    return 0


def list_command(args: argparse.Namespace, settings: Settings) -> int:
    """List sites: key, name, domains, retention, event count."""
    rows = with_database(settings, list_sites_with_counts)
    if not rows:
        print("No sites yet; add one with: peil sites add NAME --domain example.nl")
        return 0
    print(
        format_table(
            ("KEY", "NAME", "DOMAINS", "RETENTION", "TIMEZONE", "EVENTS"),
            [
                (
                    site.key,
                    site.name,
                    ",".join(site.domains),
                    f"{site.retention_days or settings.retention_days}d",
                    site.timezone,
                    f"{count:,}",
                )
                for site, count in rows
            ],
        )
    )
    return 0
