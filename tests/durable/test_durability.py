"""What a 202 promises, on the real database: a dead process's spool is
replayed after its last committed record only, a replay cut short anywhere
(or whose COMMIT answer was lost) is finished by the next process without
duplicates, events acknowledged while PostgreSQL refuses connections are all
stored once it is back (also across a shutdown in the middle of the outage,
and a client's retry of a replayed request is stored once), and a stalled
disk sheds load with 503 while /healthz still answers."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import asyncpg
import pytest

from collector.durable import writer as writer_module
from collector.durable.spool import Orphan, claim_orphans
from collector.ingest import handlers
from collector.ingest.handlers import INGEST
from collector.keys import METRICS, WRITER
from tests.support.app import database_refusing_connections, running_app
from tests.support.client import body, new_id, post_no_flush
from tests.support.rows import lose_the_first_commit_answer, row
from tests.support.spooling import spooled_writer, submit
from tests.support.wait import eventually_async


async def replay_dying(database_url, tmp_path, error: type[BaseException]) -> None:
    """A new process claims the orphans and replays them until it dies with `error`;
    its claim is let go as a crash would (the next one claims them again)."""
    async with spooled_writer(database_url, tmp_path, orphans=claim_orphans(tmp_path)) as writer:
        with pytest.raises(error):
            await writer.flush()
        for orphan in writer.orphans:
            orphan.release()


def markers(n: int) -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    return [f"{prefix}-{i}" for i in range(n)]


async def stored_counts(database_url, ids: list[str]) -> tuple[int, int]:
    """(rows, distinct ids) among `ids` (on a new connection: outages cut the old ones)."""
    conn = await asyncpg.connect(database_url)
    try:
        found = await conn.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT client_id) AS d FROM events"
            " WHERE client_id = ANY($1)",
            ids,
        )
    finally:
        await conn.close()
    return found["n"], found["d"]


async def leave_a_dead_generation(database_url, directory, site_id, written, unwritten):
    """A process that wrote `written` rows to PostgreSQL, spooled `unwritten` more, and died."""
    now = datetime.now(UTC)
    async with spooled_writer(database_url, directory) as writer:
        await submit(writer, [row(site_id, now, m) for m in written], per_record=1)
        await writer.flush()
        await submit(writer, [row(site_id, now, m) for m in unwritten], per_record=1)
        return writer.spool.generation  # closed without remove(): as after kill -9


async def test_orphan_is_replayed_after_its_last_committed_record_only(
    database_url, db, site, tmp_path
):
    ids = markers(10)
    generation = await leave_a_dead_generation(database_url, tmp_path, site["id"], ids[:4], ids[4:])
    assert (
        await db.fetchval("SELECT seq FROM spool_progress WHERE generation = $1", generation) == 4
    )
    assert await stored_counts(database_url, ids) == (4, 4)

    orphans = claim_orphans(tmp_path)
    assert [o.generation for o in orphans] == [generation]
    async with spooled_writer(database_url, tmp_path, orphans=orphans) as writer:
        await writer.flush()
        assert writer.metrics.total("rows_replayed") == 6
    assert await stored_counts(database_url, ids) == (10, 10)
    assert not (tmp_path / generation).exists()
    assert (
        await db.fetchval("SELECT count(*) FROM spool_progress WHERE generation = $1", generation)
        == 0
    )


async def test_a_replay_cut_short_is_finished_once_by_the_next_process(
    database_url, db, site, tmp_path, monkeypatch
):
    ids = markers(3 * writer_module.BATCH_ROWS)
    generation = await leave_a_dead_generation(database_url, tmp_path, site["id"], [], ids)

    # The second process dies after committing its first replayed batch.
    real_copy, copies = writer_module.copy_rows, []

    async def copy_then_die(conn, rows, *table):
        copies.append(len(rows))
        if len(copies) == 2:
            raise ConnectionResetError("killed")
        await real_copy(conn, rows, *table)

    monkeypatch.setattr(writer_module, "copy_rows", copy_then_die)
    await replay_dying(database_url, tmp_path, ConnectionResetError)
    assert await stored_counts(database_url, ids) == (writer_module.BATCH_ROWS,) * 2

    # The third dies right after committing the last batch, before deleting the files.
    monkeypatch.setattr(writer_module, "copy_rows", real_copy)

    real_remove = Orphan.remove

    def die(self):
        if self.generation == generation:
            raise SystemExit("killed between commit and cleanup")
        real_remove(self)

    monkeypatch.setattr(Orphan, "remove", die)
    await replay_dying(database_url, tmp_path, SystemExit)
    assert await stored_counts(database_url, ids) == (len(ids), len(ids))
    assert (tmp_path / generation).exists()

    # The fourth finds nothing left to write, and cleans up.
    monkeypatch.undo()
    async with spooled_writer(database_url, tmp_path, orphans=claim_orphans(tmp_path)) as writer:
        await writer.flush()
        assert writer.metrics.total("rows_replayed") == 0
    assert await stored_counts(database_url, ids) == (len(ids), len(ids))
    assert not (tmp_path / generation).exists()


async def healthz(app) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(f"{app.url}/healthz") as response:
        return response.status, await response.json()


async def wait_until_stored(app, database_url, ids, timeout_s: float = 60) -> tuple[int, int]:
    """(rows, distinct ids) once every id is stored and the writer has nothing left to write."""

    async def all_there() -> bool:
        return (await stored_counts(database_url, ids))[1] == len(ids)

    await eventually_async(all_there, timeout_s, what=f"{len(ids)} ids stored", interval=0.2)
    # Whatever the writer would still write (a duplicate) is written by now.
    await app.app[WRITER].flush()
    return await stored_counts(database_url, ids)


async def post_all(app, site, ids, per_request=20) -> list[int]:
    return [
        (await post_no_flush(app, body(site, [{"t": "pageview", "id": i} for i in chunk])))[0]
        for chunk in (ids[k : k + per_request] for k in range(0, len(ids), per_request))
    ]


async def test_events_accepted_during_an_outage_are_all_stored_once(
    settings, database_url, pg_admin_url, site
):
    ids = markers(4000)
    small_queue = replace(settings, queue_max=1000)  # most of the backlog waits on disk only
    async with running_app(small_queue, database_url) as app:
        async with database_refusing_connections(database_url, pg_admin_url):
            codes = await post_all(app, site, ids)
            assert set(codes) == {202}
            writer = app.app[WRITER]

            async def degraded() -> dict | None:
                status, health = await healthz(app)
                assert status == 200
                return health if health["status"] == "degraded" else None

            # The writer tries, fails, and says so.
            health = await eventually_async(degraded, 10, what="a degraded /healthz")
            assert health["spool_bytes"] > 0

            # The age of the oldest unwritten event keeps growing while it waits.
            async def older() -> bool:
                _, later = await healthz(app)
                return later["spool_oldest_age_s"] >= health["spool_oldest_age_s"] + 0.5

            await eventually_async(older, 10, what="an older oldest unwritten event")
            assert writer.queue.spilled
            metrics = app.app[METRICS]
            assert metrics.total("database_unreachable") == 1
            assert metrics.total("spool_bytes") > 0
        assert await wait_until_stored(app, database_url, ids) == (len(ids), len(ids))
        assert not writer.queue.spilled
        status, health = await healthz(app)
        assert status == 200 and health["status"] == "ok" and health["spool_bytes"] == 0


async def test_a_shutdown_during_an_outage_keeps_the_events_for_the_next_start(
    settings, database_url, pg_admin_url, site
):
    ids = markers(1000)
    serving = running_app(settings, database_url)
    app = await serving.__aenter__()
    async with database_refusing_connections(database_url, pg_admin_url):
        assert set(await post_all(app, site, ids)) == {202}
        generation = app.app[WRITER].spool.generation
        await serving.__aexit__(None, None, None)
        # Shut down with PostgreSQL away: the generation stays on disk.
        assert (settings.spool_dir / generation).is_dir()
    assert await stored_counts(database_url, ids) == (0, 0)
    async with running_app(settings, database_url) as app:
        assert await wait_until_stored(app, database_url, ids) == (len(ids), len(ids))
        assert app.app[METRICS].total("rows_replayed") == len(ids)
    assert not (settings.spool_dir / generation).exists()


async def test_a_retry_of_a_replayed_request_is_stored_once(
    settings, database_url, pg_admin_url, site
):
    # The answer to a request was lost in a crash, but its events were in the
    # spool: the client sends it again to the next process.
    ids = markers(20)
    request = body(site, [{"t": "pageview", "id": i} for i in ids])
    serving = running_app(settings, database_url)
    app = await serving.__aenter__()
    async with database_refusing_connections(database_url, pg_admin_url):
        assert (await post_no_flush(app, request))[0] == 202
        await serving.__aexit__(None, None, None)
    async with running_app(settings, database_url) as app:
        status, headers, _ = await post_no_flush(app, request)
        assert status == 202 and headers["X-Peil-Dropped"] == "duplicate=20"
        assert await wait_until_stored(app, database_url, ids) == (20, 20)
        assert (await post_no_flush(app, body(site, [{"t": "pageview", "id": new_id()}])))[0] == 202


async def test_a_stalled_disk_sheds_load_with_503_and_stays_responsive(
    settings, database_url, site, monkeypatch
):
    monkeypatch.setattr(handlers, "MAX_SYNCING_REQUESTS", 10)
    ids = markers(60 * 5)
    chunks = [ids[k : k + 5] for k in range(0, len(ids), 5)]
    async with running_app(settings, database_url) as app:
        # A disk whose syncs do not come back: the process that runs them stops.
        ingest = app.app[INGEST]
        helper = ingest.spool.syncer.pid
        os.kill(helper, signal.SIGSTOP)
        try:
            sending = [
                asyncio.create_task(
                    post_no_flush(app, body(site, [{"t": "pageview", "id": i} for i in chunk]))
                )
                for chunk in chunks
            ]
            await eventually_async(lambda: ingest.syncing > 0, what="requests waiting on the disk")
            status, _ = await healthz(app)  # answered while requests wait on the disk
            assert status == 200
            # Beyond the cap, requests are answered at once, with the disk still stalled.
            await eventually_async(
                lambda: any(task.done() for task in sending), what="a request shed"
            )
        finally:
            os.kill(helper, signal.SIGCONT)
        answers = await asyncio.gather(*sending)
        accepted = [c for c, (status, _, _) in zip(chunks, answers, strict=True) if status == 202]
        shed = [headers for status, headers, _ in answers if status == 503]
        assert shed and all(h["Retry-After"] == "5" for h in shed)
        assert len(accepted) + len(shed) == len(chunks)
        await app.app[WRITER].flush()
    acked = [i for chunk in accepted for i in chunk]
    assert await stored_counts(database_url, ids) == (len(acked), len(acked))
    assert await stored_counts(database_url, acked) == (len(acked), len(acked))


async def test_a_replayed_batch_whose_commit_answer_was_lost_is_not_replayed_again(
    database_url, site, tmp_path
):
    ids = markers(2 * writer_module.BATCH_ROWS)
    await leave_a_dead_generation(database_url, tmp_path, site["id"], [], ids)
    async with spooled_writer(database_url, tmp_path, orphans=claim_orphans(tmp_path)) as writer:
        commits = lose_the_first_commit_answer(writer)
        with pytest.raises(asyncpg.ConnectionDoesNotExistError):
            await writer.flush()
        await writer.flush()
    assert await stored_counts(database_url, ids) == (len(ids), len(ids))
    assert len(commits) == 2
