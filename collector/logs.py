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
    # aiohttp's own access log prints the raw client address; Peil writes its
    # own with the truncated one (privacy rule 1), so this one stays off.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
