"""Fixtures of the durable write path's tests: loopback is a trusted proxy, no rate
limit, one site on example.nl (tests/support/ingest_site.py)."""

from __future__ import annotations

import pytest

from tests.support.app import running_app
from tests.support.ingest_site import add_example_site, ingest_settings


@pytest.fixture(scope="module")
def settings(env):
    return ingest_settings(env)


@pytest.fixture(scope="module")
async def site(database_url):
    """A site on example.nl (subdomains included); its key and id."""
    return await add_example_site(database_url)


@pytest.fixture(scope="module")
async def server(settings, database_url, site):
    """The module's server, started after the site exists so it knows the site."""
    async with running_app(settings, database_url) as running:
        yield running
