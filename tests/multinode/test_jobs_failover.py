"""Issue 18 item 2 with real nodes: two `peil serve` processes, each with its
own data dir and port, on one database. Exactly one node's jobs process holds
the jobs lock; after a SIGKILL of that node, the other's takes it (within its
10 s retry), and `peil status` names it. (tests/jobs/test_leader.py has the
same in one process, with short intervals.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import aiohttp
import psutil

from collector.jobs.leader import jobs_holder

REPO = Path(__file__).resolve().parents[2]


def load(name: str):
    spec = importlib.util.spec_from_file_location(
        f"peil_{name}_benchmark", REPO / "benchmarks" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def jobs_pids(collector) -> set[int]:
    return {p.pid for p in psutil.Process(collector.process.pid).children(recursive=True)}


async def test_the_other_node_takes_the_jobs_when_the_holder_is_killed(
    database_url, db, tmp_path, cli
):
    chaos, multinode = load("chaos"), load("multinode")
    nodes = [
        chaos.Collector(
            chaos.peil_env(database_url, tmp_path / f"node-{n}", chaos.free_port(), "fsync"),
            tmp_path / f"node-{n}.log",
        )
        for n in range(2)
    ]
    try:
        async with aiohttp.ClientSession() as http:
            for node in nodes:
                await node.start(http)
            failover_s = await multinode.jobs_failover(chaos, http, nodes, database_url)
            assert failover_s < 60
            holder = await jobs_holder(db)
            pid = int(holder.rsplit(" ", 1)[1])
            # Exactly one holder, a jobs process of a live node.
            assert sum(pid in jobs_pids(node) for node in nodes) == 1
            shown = cli("status")
            assert f"run by {holder.removeprefix('peil-jobs ')}" in shown.out, shown.out
            for node in nodes:
                assert await node.stop() == 0
    finally:
        for node in nodes:
            if node.process is not None and node.process.poll() is None:
                node.process.kill()
                node.process.wait()
