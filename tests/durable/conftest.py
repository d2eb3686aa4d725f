"""Fixtures of the durable write path's tests: loopback is a trusted proxy, no rate limit,
one site on example.nl (the fixtures live in tests/support/ingest_site.py)."""

from tests.support.ingest_site import server, settings, site  # noqa: F401
