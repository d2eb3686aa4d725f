"""Removing a site: events a collector accepted during the removal are caught by its
last pass, an interrupted removal can be run again, and of two removals at once one
deletes the site and writes the one audit row."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg

from collector.retention.site_removal import remove_site
from tests.support.dashboard_data import add_events, add_site


def pageviews(n: int, visitor: int = 1) -> list[dict]:
    now = datetime.now(UTC)
    return [{"ts": now, "visitor": visitor, "t": "pageview", "path": f"/{i}"} for i in range(n)]


async def test_the_last_pass_deletes_what_arrived_during_the_removal(db, database_url):
    site = await add_site(db, "Late")
    await add_events(db, site, *pageviews(30))
    remover = await asyncpg.connect(database_url)
    removal = asyncio.create_task(remove_site(remover, site["key"], "test", settle_s=1.0))
    while not await db.fetchval(
        "SELECT removing_since IS NOT NULL FROM sites WHERE id = $1", site["id"]
    ):
        await asyncio.sleep(0.01)
    # A collector that had not reloaded its registry yet still wrote these.
    await add_events(db, site, *pageviews(4, visitor=2))
    assert await removal == 34
    await remover.close()
    assert await db.fetchval("SELECT count(*) FROM events WHERE site_id = $1", site["id"]) == 0
    assert await db.fetchval("SELECT count(*) FROM sites WHERE id = $1", site["id"]) == 0


async def test_an_interrupted_removal_runs_again_and_two_at_once_record_one_row(db, database_url):
    site = await add_site(db, "Twice")
    await add_events(db, site, *pageviews(20))
    # Interrupted after marking: the site is still there, its key refused by ingest.
    await db.execute("UPDATE sites SET removing_since = now() WHERE id = $1", site["id"])
    registry = await db.fetch("SELECT key FROM sites WHERE removing_since IS NULL")
    assert site["key"] not in {row["key"] for row in registry}
    conns = [await asyncpg.connect(database_url) for _ in range(2)]
    try:
        counts = await asyncio.gather(
            *(remove_site(conn, site["key"], "test", settle_s=0.5) for conn in conns)
        )
    finally:
        for conn in conns:
            await conn.close()
    assert sum(counts) == 20
    assert await db.fetchval("SELECT count(*) FROM events WHERE site_id = $1", site["id"]) == 0
    rows = await db.fetch(
        "SELECT detail->>'rows' AS n FROM audit_log WHERE action = 'site-remove'"
        " AND detail->>'site' = $1",
        site["key"],
    )
    assert len(rows) == 1
