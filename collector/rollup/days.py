"""Site-local days: a site's day runs from midnight to midnight in its time
zone (`sites.timezone`), so 23 or 25 hours long on a DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A day's breakdowns (visit_keys, day_reports) are made this long after its
# end in the site's zone: past the late window (job.LATE_WINDOW), so that
# late rows rarely make a day again.
MADE_AFTER = timedelta(hours=1)


def local_midnight(day: date, timezone: str) -> datetime:
    """The UTC instant at which `day` begins in `timezone`."""
    return datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    return local_midnight(day, timezone), local_midnight(day + timedelta(days=1), timezone)


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()
