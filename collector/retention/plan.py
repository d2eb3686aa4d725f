"""What a purge removes at a given moment: pure date arithmetic, no database.

Two kinds of removal, from cheap to careful:
- a day partition that lies entirely before the cutoff (now minus the
  instance retention) is dropped whole;
- in the partitions that stay, rows older than their retention are deleted
  row by row: rows of sites with a shorter retention_days, and the hours
  before the cutoff in the one partition the cutoff falls inside (privacy
  rule 4: nothing older than the retention survives a purge, not even for
  part of a day);
- the visits derived from those events (`visits`, `rollup_open_visits`: one
  row per visit, with the visitor hash) go by the same cutoffs, a visit once
  its last event is older than the retention of its site.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from collector.db.partitions import day_end, day_start, missing_ahead


@dataclass(frozen=True)
class SiteRetention:
    id: int
    key: str
    name: str
    retention_days: int | None  # None: the instance's PEIL_RETENTION_DAYS


@dataclass(frozen=True)
class RowRule:
    """Delete rows older than `cutoff` from one day partition."""

    day: date
    cutoff: datetime
    site_id: int | None  # None: rows of every site


@dataclass(frozen=True)
class VisitRule:
    """Delete visits whose last event is older than `cutoff`, and not older than
    `since` (older ones are another rule's: the rules never overlap)."""

    cutoff: datetime
    site_id: int | None  # None: visits of every site
    since: datetime | None = None


@dataclass(frozen=True)
class Plan:
    now: datetime
    retention_days: int
    cutoff: datetime
    create: tuple[date, ...]
    drop: tuple[date, ...]
    trim: tuple[RowRule, ...]
    visits: tuple[VisitRule, ...]
    site_cutoffs: dict[int, datetime]  # only sites whose retention is shorter


def cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


def shorter_retentions(
    now: datetime, retention_days: int, sites: Iterable[SiteRetention]
) -> dict[int, datetime]:
    """Cutoffs of the sites that keep their events for fewer days than the instance."""
    return {
        site.id: cutoff(now, site.retention_days)
        for site in sites
        if site.retention_days is not None and site.retention_days < retention_days
    }


def make_plan(
    now: datetime, retention_days: int, sites: Iterable[SiteRetention], partitions: list[date]
) -> Plan:
    """The purge of `partitions` (days that have one) at `now`."""
    instance_cutoff = cutoff(now, retention_days)
    drop = tuple(day for day in partitions if day_end(day) <= instance_cutoff)
    keep = [day for day in partitions if day_end(day) > instance_cutoff]
    site_cutoffs = shorter_retentions(now, retention_days, sites)
    rules = [(None, instance_cutoff), *site_cutoffs.items()]
    trim = tuple(
        RowRule(day, rule_cutoff, site_id)
        for day in keep
        for site_id, rule_cutoff in rules
        if day_start(day) < rule_cutoff
    )
    return Plan(
        now=now,
        retention_days=retention_days,
        cutoff=instance_cutoff,
        create=tuple(missing_ahead(partitions, now)),
        drop=drop,
        trim=trim,
        visits=(
            VisitRule(instance_cutoff, None),
            *(VisitRule(at, site_id, instance_cutoff) for site_id, at in site_cutoffs.items()),
        ),
        site_cutoffs=site_cutoffs,
    )
