"""The storage vocabulary every layer shares: event types, device codes,
breakdown dimensions, wire fields and drop reasons.

Event types and device classes are stored as smallint codes, and the
dimensions' order numbers their rows of working state: these numbers are
part of the database format, so never renumber one, only add.
"""

from __future__ import annotations

EVENT_TYPES: dict[str, int] = {
    "pageview": 1,
    "pageleave": 2,
    "click": 3,
    "hover": 4,
    "eleOn": 5,
    "eleOff": 6,
    "error": 7,
    "custom": 8,
    "videoLoad": 20,
    "play": 21,
    "pause": 22,
    "seek": 23,
    "rewind": 24,
    "ended": 25,
    "videoUnload": 26,
}
EVENT_NAMES: dict[int, str] = {code: name for name, code in EVENT_TYPES.items()}
MEDIA_TYPES = frozenset(("videoLoad", "play", "pause", "seek", "rewind", "ended", "videoUnload"))

# Every field an event of the wire format may carry (DESIGN.md, "Wire format").
EVENT_FIELDS = (
    "id",
    "t",
    "ts",
    "el",
    "src",
    "pos",
    "from",
    "to",
    "dur",
    "x",
    "y",
    "n",
    "props",
    "depth",
    "eng",
    "msg",
    "line",
    "code",
)

# Why an event (or a whole request's events) was not stored. A fixed list, so
# /metrics has one series per reason and a typo cannot invent a new one.
DROP_REASONS = (
    "unknown_type",  # "t" is not one of EVENT_TYPES
    "bad_field",  # a field has the wrong type or is out of range
    "bad_props",  # custom props not a small flat object
    "duplicate",  # client event id seen within the dedup window
    "bot",  # user agent of a crawler, script or headless browser
    "do_not_track",  # DNT: 1 or Sec-GPC: 1: the visitor asked not to be tracked
    "unknown_site",  # site key not registered
    "foreign_origin",  # Origin/Referer/url not on the site's domains
    "bad_body",  # the request body was unparseable or of the wrong shape
    "too_large",  # over 64 KiB or 200 events
    "rate_limited",  # too many requests from one address
    "overloaded",  # spool full (or unwritable): answered 503
    "write_failed",  # a row PostgreSQL refused even alone (poison row)
)

# events.device: the device class a user agent was resolved to.
DEVICE_UNKNOWN = 0
DEVICE_DESKTOP = 1
DEVICE_MOBILE = 2
DEVICE_TABLET = 3
DEVICE_NAMES: dict[int, str] = {
    DEVICE_UNKNOWN: "unknown",
    DEVICE_DESKTOP: "desktop",
    DEVICE_MOBILE: "mobile",
    DEVICE_TABLET: "tablet",
}

# Breakdown dimensions of the stats API (`by=`), in the order that numbers
# them in rollup_open_seen.dim (1, 2, ...; 0 is "any event", the day's
# visitors). What each one is computed from lives in the rollup's fold query
# (sql/queries/rollup.fold.fold_keys.sql).
DIMENSIONS: tuple[str, ...] = (
    "page",
    "referrer",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "device",
    "screen",
    "language",
    "host",
    # From other events than pageviews (rollup.fold.fold_event_keys): their
    # rows' pageviews column counts those events.
    "event",
    "media",
)

# Dimensions of the stats API's filters and `by=` (README, "Filters, visits
# and the reports' definitions"): visit dimensions select visits (the
# attributes of a visit's first event, its entry and exit page), event
# dimensions select events. DIMENSIONS above are those with a daily rollup.
VISIT_DIMENSIONS: tuple[str, ...] = (
    "entry_page",
    "exit_page",
    "referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "device",
    "screen",
    "language",
    "player_version",
)
EVENT_DIMENSIONS: tuple[str, ...] = ("page", "host", "event", "media")
STATS_DIMENSIONS: tuple[str, ...] = (*VISIT_DIMENSIONS, *EVENT_DIMENSIONS)

# audit_log.action: every action the audit trail records, in one list, so
# `peil audit --action` and the admin API accept exactly these and a typo in
# the code cannot invent a new one. Per-visitor data read or erased:
# export, forget, forget-close (the jobs process finished a forget request,
# see collector/privacy/), subject-export; the trail itself read: audit.
AUDIT_ACTIONS: tuple[str, ...] = (
    "purge",
    "export",
    "forget",
    "forget-close",
    "subject-export",
    "privacy-statement",
    "audit",
    "login",
    "login-failed",
    "login-throttled",
    "logout",
    "token-create",
    "token-revoke",
    "user-add",
    "user-remove",
    "user-passwd",
    "user-role",
    "grant",
    "revoke",
    "site-add",
    "site-edit",
    "site-remove",
    "goal-add",
    "goal-remove",
)
