"""`peil serve`: collector, dashboard and scheduled jobs until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import Any

from collector.cli.common import add_command, positive_int
from collector.config import Settings, mask_url
from collector.db.connect import connection, database_server
from collector.db.migrate import prepare_database
from collector.logs import configure_logging
from collector.server import check_port_free
from collector.server import serve as run_server

log = logging.getLogger("peil")


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "serve", serve)
    parser.add_argument("--host", help="address to listen on (default: PEIL_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=_port, help="port to listen on (default: PEIL_PORT, 8000)")
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="worker processes sharing the port via SO_REUSEPORT (default 1)",
    )
    parser.set_defaults(settings_overrides=_overrides)


def _port(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1-65535)")
    return value


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {"host": args.host, "port": args.port}


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the collector, the dashboard and the scheduled jobs until Ctrl-C or SIGTERM.
    Starts (or reuses) the embedded PostgreSQL unless PEIL_DATABASE_URL is set, and
    applies missing migrations first."""
    configure_logging(settings.log_level)
    check_port_free(settings.host, settings.port)
    with database_server(settings) as url:
        asyncio.run(_prepare(url))
        log.info(
            "database %s ready; dashboard at %s/ (stop with Ctrl-C)",
            mask_url(url),
            settings.public_url,
        )
        run_server(settings, url, args.workers)
    log.info("stopped")
    return 0


async def _prepare(url: str) -> None:
    async with connection(url) as conn:
        await prepare_database(conn)
