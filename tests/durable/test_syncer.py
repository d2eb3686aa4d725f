"""The spool's sync helper process: it syncs, reports failures, is replaced when it
dies, ignores the terminal's Ctrl-C, and never outlives its worker."""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import subprocess
import sys
import textwrap

import psutil
import pytest

from collector.durable.syncer import Syncer
from tests.support.wait import ended, eventually, eventually_async


@pytest.fixture
async def syncer():
    syncer = Syncer()
    syncer.start()
    yield syncer
    syncer.close()


def assert_gone_within(process: psutil.Process, seconds: float) -> None:
    eventually(lambda: ended(process), seconds, what=f"the end of helper {process.pid}")


async def test_syncs_files_one_after_another(syncer, tmp_path):
    paths = [tmp_path / f"{i}.seg" for i in range(3)]
    for path in paths:
        path.write_bytes(b"x" * 100)
        await syncer.sync(path)
        await syncer.sync(path)  # the same file again: kept open


async def test_a_failed_sync_raises_with_the_errno(syncer, tmp_path):
    with pytest.raises(OSError) as failed:
        await syncer.sync(tmp_path / "missing.seg")
    assert failed.value.errno == errno.ENOENT
    (tmp_path / "there.seg").write_bytes(b"x")
    await syncer.sync(tmp_path / "there.seg")  # the helper carries on


async def test_a_dead_helper_fails_its_sync_and_is_replaced(syncer, tmp_path):
    path = tmp_path / "a.seg"
    path.write_bytes(b"x")
    first = syncer.pid
    helper = psutil.Process(first)
    os.kill(first, signal.SIGSTOP)  # so the sync is surely in flight when it dies
    waiting = asyncio.create_task(syncer.sync(path))
    await eventually_async(lambda: syncer._waiting, what="the sync sent to the helper")
    os.kill(first, signal.SIGKILL)
    with pytest.raises(OSError):
        await waiting
    await syncer.sync(path)
    assert syncer.pid != first
    assert_gone_within(helper, 2)


async def test_ctrl_c_does_not_stop_the_helper(syncer, tmp_path):
    # It runs in its own session, and ignores SIGINT even when sent to it.
    assert os.getsid(syncer.pid) != os.getsid(0)
    path = tmp_path / "a.seg"
    path.write_bytes(b"x")
    await syncer.sync(path)  # it answers: started, its signals set
    pid = syncer.pid
    os.kill(pid, signal.SIGINT)
    # No wait needed: a signal is acted on before its target runs on, so a
    # helper that SIGINT ended could not answer this sync.
    await syncer.sync(path)
    assert syncer.pid == pid


async def test_closing_ends_the_helper(tmp_path):
    syncer = Syncer()
    syncer.start()
    helper = psutil.Process(syncer.pid)
    syncer.close()
    assert_gone_within(helper, 2)


def test_the_helper_ends_when_its_worker_is_killed(tmp_path):
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import asyncio, sys, time
                from collector.durable.syncer import Syncer

                async def main():
                    syncer = Syncer()
                    syncer.start()
                    print(syncer.pid, flush=True)
                    time.sleep(60)

                asyncio.run(main())
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    helper = psutil.Process(int(worker.stdout.readline()))
    worker.kill()
    worker.wait()
    assert_gone_within(helper, 5)


def test_the_helper_answers_each_path_and_ends_quietly_when_its_worker_is_gone(tmp_path):
    from collector.durable import sync_helper

    there = tmp_path / "a.seg"
    there.write_bytes(b"x")
    requests_r, requests_w = os.pipe()
    answers_r, answers_w = os.pipe()
    os.write(requests_w, bytes(there) + b"\0" + bytes(tmp_path / "missing.seg") + b"\0")
    os.close(requests_w)
    sync_helper.serve(requests_r, answers_w)  # returns at the end of its input
    assert os.read(answers_r, 100) == b"0\n%d\n" % errno.ENOENT
    os.close(requests_r)
    # The worker died while a sync ran: its answer has nowhere to go.
    requests_r, requests_w = os.pipe()
    os.write(requests_w, bytes(there) + b"\0")
    os.close(requests_w)
    os.close(answers_r)
    sync_helper.serve(requests_r, answers_w)  # no BrokenPipeError
    for fd in (requests_r, answers_w):
        os.close(fd)


async def test_the_helper_keeps_no_segment_open(syncer, tmp_path):
    # The spool deletes written segments; an open file would keep its space.
    path = tmp_path / "a.seg"
    path.write_bytes(b"x" * 4096)
    await syncer.sync(path)
    assert str(path) not in {f.path for f in psutil.Process(syncer.pid).open_files()}


async def test_a_helper_that_cannot_start_is_one_clear_sentence(monkeypatch):
    from collector.durable import syncer as syncer_module
    from collector.errors import PeilError

    monkeypatch.setattr(syncer_module.sys, "executable", "/nonexistent/python3")
    with pytest.raises(PeilError, match="Cannot start the spool's sync helper process"):
        Syncer().start()
