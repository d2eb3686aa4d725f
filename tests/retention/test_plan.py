"""The retention plan as pure date arithmetic: which partitions are dropped,
which keep rows to delete, which are created ahead, which visits go."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from collector.retention.plan import RowRule, SiteRetention, VisitRule, make_plan

NOW = datetime(2031, 5, 20, 12, 0, tzinfo=UTC)


def days(*ages: int) -> list[date]:
    return sorted(NOW.date() - timedelta(days=age) for age in ages)


def site(id: int, retention_days: int | None) -> SiteRetention:
    return SiteRetention(id, f"key{id}", f"Site {id}", retention_days)


def test_only_partitions_entirely_before_the_cutoff_are_dropped():
    plan = make_plan(NOW, 183, [], days(200, 184, 183, 182, 0))
    assert plan.cutoff == NOW - timedelta(days=183)
    assert plan.drop == tuple(days(200, 184))
    # The cutoff falls at noon inside the day 183 days back: its morning goes.
    assert plan.trim == (RowRule(days(183)[0], plan.cutoff, None),)


def test_a_cutoff_at_midnight_leaves_no_partition_straddling():
    midnight = datetime(2031, 5, 20, tzinfo=UTC)
    plan = make_plan(midnight, 183, [], days(184, 183, 182))
    # The day before the cutoff ends exactly at it; the cutoff's day is all newer.
    assert plan.drop == tuple(days(184))
    assert plan.trim == ()


def test_shorter_site_retention_trims_the_kept_partitions_older_than_it():
    plan = make_plan(NOW, 183, [site(1, 30), site(2, None), site(3, 400)], days(100, 31, 30, 1))
    short_cutoff = NOW - timedelta(days=30)
    assert plan.site_cutoffs == {1: short_cutoff}
    assert plan.drop == ()
    assert plan.trim == tuple(RowRule(day, short_cutoff, 1) for day in days(100, 31, 30))


def test_missing_partitions_ahead_are_planned():
    plan = make_plan(NOW, 183, [], days(0, -2))
    assert plan.create == (NOW.date() + timedelta(days=1), NOW.date() + timedelta(days=3))


def test_visits_go_by_the_instance_cutoff_and_each_shorter_site_cutoff():
    plan = make_plan(NOW, 183, [site(1, 30), site(2, None), site(3, 400)], [])
    # The site rule starts where the instance rule ends: no visit is counted twice.
    assert plan.visits == (
        VisitRule(plan.cutoff, None),
        VisitRule(NOW - timedelta(days=30), 1, plan.cutoff),
    )
    # With no partition at all too: visits go even once their raw events are gone.
    assert make_plan(NOW, 183, [], []).visits == (VisitRule(NOW - timedelta(days=183), None),)
