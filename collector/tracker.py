"""Serving the tracker: GET /peil.js (ETag, caching) and the /optout page."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    """Routes for peil.js and /optout (filled in by the tracker work)."""
