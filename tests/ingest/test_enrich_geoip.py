"""GeoIP: both supported .mmdb layouts, misses, the disabled null object, bad files and
the cache bound, against tiny databases written with mmdb-writer."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

import pytest

from collector.errors import PeilError
from collector.ingest.enrich.geoip import Geo, GeoIP, geo_from_record
from tests.support.mmdb import write_mmdb as _write


@pytest.fixture
def city_db(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "city.mmdb",
        {
            "203.0.113.0/24": {
                "country": {"iso_code": "NL", "names": {"en": "Netherlands"}},
                "subdivisions": [{"iso_code": "NH", "names": {"en": "North Holland"}}],
                "city": {"names": {"en": "Amsterdam", "nl": "Amsterdam"}},
            },
            "198.51.100.0/24": {"country": {"iso_code": "BE"}},
            "2001:db8:1::/48": {
                "country": {"iso_code": "DE"},
                "subdivisions": [{"iso_code": "BE"}],
                "city": {"names": {"de": "Berlin"}},
            },
        },
    )


@pytest.fixture
def whois_db(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "geo-whois-asn-country.mmdb",
        {"203.0.113.0/24": {"country_code": "FR"}, "2001:db8:2::/48": {"country_code": "JP"}},
    )


def test_city_layout(city_db: Path):
    geo = GeoIP(city_db)
    assert geo.enabled
    assert geo.lookup(ip_address("203.0.113.9")) == Geo("NL", "NL-NH", "Amsterdam")
    # Country-only record: region and city unknown.
    assert geo.lookup(ip_address("198.51.100.1")) == Geo("BE", None, None)
    # IPv6 entry; a city without an English name is unknown rather than another language.
    assert geo.lookup(ip_address("2001:db8:1::42")) == Geo("DE", "DE-BE", None)


def test_whois_country_layout(whois_db: Path):
    geo = GeoIP(whois_db)
    assert geo.lookup(ip_address("203.0.113.200")) == Geo("FR", None, None)
    assert geo.lookup(ip_address("2001:db8:2:ffff::1")) == Geo("JP", None, None)


def test_misses(city_db: Path):
    geo = GeoIP(city_db)
    assert geo.lookup(ip_address("192.0.2.1")) == Geo(None, None, None)
    assert geo.lookup(ip_address("2001:db8:9::1")) == Geo(None, None, None)
    assert geo.lookup(None) == Geo(None, None, None)


def test_ipv6_in_ipv4_only_database(tmp_path: Path):
    path = _write(tmp_path / "v4.mmdb", {"203.0.113.0/24": {"country_code": "NL"}}, ip_version=4)
    geo = GeoIP(path)
    assert geo.lookup(ip_address("203.0.113.1")) == Geo("NL", None, None)
    assert geo.lookup(ip_address("2001:db8::1")) == Geo(None, None, None)


def test_disabled():
    geo = GeoIP.disabled()
    assert not geo.enabled
    assert geo.lookup(ip_address("203.0.113.9")) == Geo(None, None, None)


@pytest.mark.parametrize("content", [None, b"", b"this is not a maxmind database" * 10])
def test_unreadable_file(tmp_path: Path, content: bytes | None):
    path = tmp_path / "broken.mmdb"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PeilError) as info:
        GeoIP(path)
    message = str(info.value)
    assert "PEIL_GEOIP_DB" in message
    assert message.count(".") >= 1 and "\n" not in message


def test_cache_is_bounded_and_used(city_db: Path):
    geo = GeoIP(city_db, cache_size=8)
    for last in range(50):
        geo.lookup(ip_address(f"203.0.113.{last}"))
    info = geo.cache_info()
    assert info.currsize == 8
    assert info.maxsize == 8
    geo.lookup(ip_address("203.0.113.49"))
    assert geo.cache_info().hits == info.hits + 1
    geo.clear_cache()
    assert geo.cache_info().currsize == 0


def test_close(city_db: Path):
    geo = GeoIP(city_db)
    geo.close()
    assert geo.lookup(ip_address("203.0.113.9")) == Geo(None, None, None)


@pytest.mark.parametrize(
    "record",
    [None, "NL", [], {"country": {}}, {"country": {"iso_code": 7}}, {"subdivisions": "x"}],
)
def test_odd_records_are_unknown(record):
    assert geo_from_record(record) == Geo(None, None, None)


def test_subdivision_without_country_has_no_region():
    record = {"country": {}, "subdivisions": [{"iso_code": "NH"}]}
    assert geo_from_record(record) == Geo(None, None, None)
