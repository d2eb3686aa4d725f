"""Tiny GeoIP databases for tests, written with mmdb-writer."""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def write_mmdb(path: Path, entries: dict[str, dict], *, ip_version: int = 6) -> Path:
    """An .mmdb at `path` mapping each CIDR to its record."""
    writer = MMDBWriter(
        ip_version=ip_version,
        database_type="Test-City",
        ipv4_compatible=ip_version == 6,
    )
    for cidr, record in entries.items():
        writer.insert_network(IPSet([cidr]), record)
    writer.to_db_file(str(path))
    return path
