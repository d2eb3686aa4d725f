"""RecentIds: a retried id is caught for one to two windows, per site, in
bounded memory, and an id taken back can be sent again."""

from __future__ import annotations

from collector.durable import dedup
from collector.durable.dedup import RecentIds


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_id_is_remembered_per_site_for_one_to_two_windows(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(dedup.time, "monotonic", clock)
    recent = RecentIds(window_s=60)
    recent.remember(1, ["a"])
    assert recent.contains(1, "a") and not recent.contains(2, "a")
    clock.now += 61
    recent.remember(1, ["b"])  # rotates: "a" is in the previous generation
    assert recent.contains(1, "a")
    clock.now += 61
    recent.remember(1, ["c"])  # rotates again: "a" is gone
    assert not recent.contains(1, "a") and recent.contains(1, "b")


def test_memory_is_bounded_by_max_ids():
    recent = RecentIds(window_s=3600, max_ids=1000)
    for start in range(0, 5000, 100):
        recent.remember(1, [str(i) for i in range(start, start + 100)])
    assert len(recent._current) + len(recent._previous) <= 2000
    assert recent.contains(1, "4999")  # the newest are always there
    assert not recent.contains(1, "0")


def test_forgotten_ids_can_be_sent_again():
    recent = RecentIds()
    recent.remember(7, ["x", "y"])
    recent.forget(7, ["x"])
    assert not recent.contains(7, "x") and recent.contains(7, "y")
