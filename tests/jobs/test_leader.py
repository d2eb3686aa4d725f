"""One node runs the scheduled jobs: of several contenders on one database only the
holder of the jobs lock runs its scheduler; when the holder's connection dies (a node
killed), another takes over and the old one stops its jobs; `peil status` names the
holder."""

from __future__ import annotations

import asyncio
from contextlib import suppress

import asyncpg

from collector.jobs.leader import jobs_holder, lead_jobs
from collector.jobs.scheduler import Job, Scheduler
from tests.support.wait import eventually_async

FAST = {"try_every_s": 0.2, "check_every_s": 0.2}


class Node:
    """A contender: its scheduler runs one job that records the node's name."""

    def __init__(self, name: str, database_url: str, runs: list[str]) -> None:
        self.name = name
        self.stop = asyncio.Event()
        self.running = 0  # schedulers of this node running now

        async def record(pool) -> None:
            runs.append(name)

        node = self

        class Counted(Scheduler):
            def start(self) -> None:
                node.running += 1
                super().start()

            async def stop(self) -> None:
                await super().stop()
                node.running -= 1

        self.task = asyncio.create_task(
            lead_jobs(
                database_url,
                lambda: Counted(None, [Job("record", 0.05, record)]),
                self.stop,
                name=f"peil-jobs {name}",
                **FAST,
            )
        )

    async def end(self) -> None:
        self.stop.set()
        with suppress(asyncio.CancelledError):
            await self.task


async def holder_pid(conn: asyncpg.Connection, name: str) -> int | None:
    return await conn.fetchval(
        "SELECT pid FROM pg_stat_activity WHERE application_name = $1", f"peil-jobs {name}"
    )


async def test_exactly_one_node_runs_the_jobs_and_another_takes_over(database_url, db):
    runs: list[str] = []
    nodes = [Node(name, database_url, runs) for name in ("a", "b", "c")]
    try:
        await eventually_async(lambda: len(runs) >= 5)
        leader = await jobs_holder(db)
        assert leader in {"peil-jobs a", "peil-jobs b", "peil-jobs c"}
        first = leader.split()[-1]
        assert set(runs) == {first}
        assert [n.running for n in nodes] == [int(n.name == first) for n in nodes]

        # The holder's node dies: PostgreSQL drops its connection, and its lock.
        pid = await holder_pid(db, first)
        await db.execute("SELECT pg_terminate_backend($1)", pid)
        await eventually_async(
            lambda: (runs[-1] != first) and all(n.running == (n.name == runs[-1]) for n in nodes)
        )
        second = runs[-1]
        assert (await jobs_holder(db)) == f"peil-jobs {second}"
        assert sum(n.running for n in nodes) == 1
        before = len(runs)
        await asyncio.sleep(0.5)
        assert set(runs[before:]) == {second}  # the old holder runs nothing any more
    finally:
        for node in nodes:
            await node.end()
    assert await jobs_holder(db) is None
    assert [n.running for n in nodes] == [0, 0, 0]


def test_status_names_the_node_holding_the_jobs_lock(cli, database_url):
    async def hold():
        conn = await asyncpg.connect(
            database_url, server_settings={"application_name": "peil-jobs node-7 pid 42"}
        )
        await conn.fetchval("SELECT pg_try_advisory_lock($1)", 0x7065696C_0004)
        return conn

    loop = asyncio.new_event_loop()
    try:
        assert "jobs        no node runs the scheduled jobs now" in cli("status").out
        conn = loop.run_until_complete(hold())
        assert "jobs        run by node-7 pid 42" in cli("status").out
        loop.run_until_complete(conn.close())
    finally:
        loop.close()
