"""What a privacy statement says, taken from the live settings and the site."""

from __future__ import annotations

from dataclasses import dataclass

from collector.config import Settings
from collector.store.sites import Site

# The tracker's defaults (tracker_js/src/peil.js): data-cookie-days, and the
# idle time after which a new sid starts. tests/privacy/test_statement.py
# reads them from the source, so the statement cannot drift from the tracker.
COOKIE_DAYS = 395
SESSION_IDLE_MIN = 30
COOKIE_NAME = "peil_id"
OPTOUT_KEY = "peil_optout"
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class Facts:
    """What the statement says, taken from the settings and the site."""

    site_name: str
    domains: tuple[str, ...]
    retention_days: int
    aggregate_days: int | None  # None: kept forever
    ipv4_prefix: int
    ipv6_prefix: int
    keep_query: tuple[str, ...]
    geoip: bool
    consent: bool
    contact: str | None
    optout_url: str
    cookie_days: int = COOKIE_DAYS
    session_idle_min: int = SESSION_IDLE_MIN

    @property
    def retention_months(self) -> int:
        return round(self.retention_days / DAYS_PER_MONTH)

    @property
    def cookie_months(self) -> int:
        return round(self.cookie_days / DAYS_PER_MONTH)


def facts(site: Site, settings: Settings) -> Facts:
    # A site's own retention can only be shorter: the purge drops whole days for all.
    days = min(site.retention_days or settings.retention_days, settings.retention_days)
    return Facts(
        site_name=site.name,
        domains=tuple(site.domains),
        retention_days=days,
        aggregate_days=settings.aggregate_retention_days,
        ipv4_prefix=settings.ipv4_prefix,
        ipv6_prefix=settings.ipv6_prefix,
        keep_query=tuple(settings.keep_query),
        geoip=settings.geoip_db is not None,
        consent=site.consent == "required",
        contact=site.contact,
        optout_url=settings.public_url.rstrip("/") + "/optout",
    )
