"""GeoIP through the real endpoint, for both database layouts Peil reads:
country, region and city land in their columns."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from collector.ingest.handlers import INGEST
from tests.support.app import running_app
from tests.support.client import body, post
from tests.support.mmdb import write_mmdb

LAYOUTS = {
    "geolite2-city": (
        {
            "203.0.113.0/24": {
                "country": {"iso_code": "NL"},
                "subdivisions": [{"iso_code": "NH"}],
                "city": {"names": {"en": "Amsterdam"}},
            },
            "2001:db8:abcd::/48": {"country": {"iso_code": "DE"}},
        },
        {
            "203.0.113.77": ("NL", "NL-NH", "Amsterdam"),
            "2001:db8:abcd::1": ("DE", None, None),
            "192.0.2.1": (None, None, None),
        },
    ),
    "geo-whois-asn-country": (
        {"203.0.113.0/24": {"country_code": "BE"}, "2001:db8:abcd::/48": {"country_code": "FR"}},
        {"203.0.113.77": ("BE", None, None), "2001:db8:abcd::1": ("FR", None, None)},
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_location_columns_from_both_layouts(
    settings, database_url, site, db, tmp_path, layout
):
    entries, expected = LAYOUTS[layout]
    geo_settings = replace(settings, geoip_db=write_mmdb(tmp_path / f"{layout}.mmdb", entries))
    async with running_app(geo_settings, database_url) as app:
        await app.app[INGEST].sites.load()
        for address, location in expected.items():
            event_id = uuid.uuid4().hex
            status, _, _ = await post(
                app, body(site, [{"id": event_id, "t": "pageview"}]), address=address
            )
            assert status == 202
            row = await db.fetchrow(
                "SELECT country, region, city FROM events WHERE client_id = $1", event_id
            )
            assert tuple(row) == location, address
