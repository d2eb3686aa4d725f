"""Logging: one line per event, nothing at the default level but what an operator needs."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
        force=True,
    )
    # Access lines (at DEBUG) come from collector.app.AccessLogger, which prints
    # only the truncated address; aiohttp's default format would print the raw one.
    # asyncpg's pool logs a traceback for every failed reconnect during an
    # outage; the writer already says, in one line per retry, that events wait.
    logging.getLogger("asyncpg.pool").setLevel(logging.ERROR)
