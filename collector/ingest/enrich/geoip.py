"""Country, region and city of a client address from a MaxMind-format database.

Reads the MaxMind GeoLite2/GeoIP2 City and Country layouts and the CC0
`geo-whois-asn-country` layout (a top-level `country_code`). Lookups use the full
address, in memory only, before it is truncated.
"""

from __future__ import annotations

import os
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address
from typing import Any, NamedTuple

import maxminddb

from collector.errors import PeilError

Address = IPv4Address | IPv6Address

DEFAULT_CACHE_SIZE = 65536


class Geo(NamedTuple):
    country: str | None
    """ISO 3166-1 alpha-2, e.g. "NL"."""
    region: str | None
    """ISO 3166-2, e.g. "NL-NH"."""
    city: str | None
    """English city name."""


UNKNOWN = Geo(None, None, None)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def geo_from_record(record: Any) -> Geo:
    """Map one database record of either supported layout to a Geo."""
    if not isinstance(record, dict):
        return UNKNOWN
    country_entry = record.get("country")
    if isinstance(country_entry, dict):
        # MaxMind City/Country layout.
        country = _text(country_entry.get("iso_code"))
        region = None
        subdivisions = record.get("subdivisions")
        if country and isinstance(subdivisions, list) and subdivisions:
            first = subdivisions[0]
            code = _text(first.get("iso_code")) if isinstance(first, dict) else None
            if code:
                region = f"{country}-{code}"
        city = None
        city_entry = record.get("city")
        if isinstance(city_entry, dict):
            names = city_entry.get("names")
            if isinstance(names, dict):
                city = _text(names.get("en"))
        return Geo(country, region, city)
    # geo-whois-asn-country layout: country only.
    return Geo(_text(record.get("country_code")), None, None)


class GeoIP:
    """A GeoIP database with a bounded lookup cache.

    The cache holds full addresses in memory (never on disk); `clear_cache()` lets the
    daily salt rotation drop them together with the salt.
    """

    def __init__(self, path: str | os.PathLike[str] | None, cache_size: int = DEFAULT_CACHE_SIZE):
        self._reader: Any = None
        self._ipv6 = False
        if path is not None:
            try:
                self._reader = maxminddb.open_database(os.fspath(path), maxminddb.MODE_AUTO)
                self._ipv6 = self._reader.metadata().ip_version == 6
            except (OSError, ValueError, RuntimeError) as exc:
                raise PeilError(
                    f"PEIL_GEOIP_DB is set to {os.fspath(path)}, which is not a readable "
                    "MaxMind .mmdb database."
                ) from exc
        self._cached = lru_cache(maxsize=cache_size)(self._lookup)

    @classmethod
    def disabled(cls) -> GeoIP:
        """A GeoIP that knows nothing: for when PEIL_GEOIP_DB is unset."""
        return cls(None)

    @property
    def enabled(self) -> bool:
        return self._reader is not None

    def lookup(self, addr: Address | None) -> Geo:
        """Where `addr` is; fields are None when unknown."""
        if addr is None or self._reader is None:
            return UNKNOWN
        return self._cached(addr)

    def _lookup(self, addr: Address) -> Geo:
        if addr.version == 6 and not self._ipv6:
            # The reader would raise with the address in the message; answer instead.
            return UNKNOWN
        try:
            record = self._reader.get(addr)
        except (ValueError, RuntimeError):
            # A damaged record must not stop ingestion, and the exception text may
            # contain the address, so it is dropped rather than logged.
            return UNKNOWN
        return geo_from_record(record)

    def cache_info(self) -> Any:
        return self._cached.cache_info()

    def clear_cache(self) -> None:
        self._cached.cache_clear()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self.clear_cache()
