"""A generated dataset for the analytics oracle tests (tests/dashboard/analytics/):
raw `events` rows of three sites, made deterministically from a seed.

The sites are in Europe/Amsterdam (its data span the end of summer time on
2026-10-25, and a few days around its start on 2026-03-29), UTC, and
America/New_York (the end of its summer time on 2026-11-01); each also has a
few days one year earlier, for `compare=year`.

What the rows hold, so every definition of README "Filters, visits and the
reports' definitions" is exercised: people with several visits a day, gaps of
exactly 30 minutes (a new visit) and just under, visits running over local
midnight (and over UTC midnight, where the visitor hash changes), pageviews
with `pageleave` engagement, clicks, hovers, elements on and off screen,
custom events with props, players (load, play, pause, seek, rewind, ended,
unload) with positions, timecoded interactions, script and media errors,
kept query strings with utm parameters (percent-encoded names and values,
`+` for a space, empty values, repeated names), referrers, screens, hosts,
player versions, and unknown ('' or NULL) values of every kind. Within one
visitor hash no two events share a timestamp, so (ts, seq) order is the
order of `ts`.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from collector.db.partitions import ensure_partitions

# The event type codes of `events.type` (collector/model/vocabulary.py), written
# out again here: the oracle must not take its meaning from the app's code.
CODES = {
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
NAMES = {code: name for name, code in CODES.items()}

COLUMNS = (
    "ts",
    "visitor",
    "site_id",
    "type",
    "seq",
    "pos",
    "from_pos",
    "to_pos",
    "dur",
    "x",
    "y",
    "eng",
    "depth",
    "screen_w",
    "screen_h",
    "device",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "lang",
    "host",
    "path",
    "query",
    "referrer",
    "el",
    "src",
    "name",
    "player_version",
    "props",
)


@dataclass(frozen=True)
class SitePlan:
    label: str
    timezone: str
    first: date  # first local day of the main data
    days: int
    extra_days: tuple[date, ...] = ()  # a few more days with data (DST, a year earlier)


PLANS = (
    SitePlan(
        "Amsterdam",
        "Europe/Amsterdam",
        date(2026, 10, 20),
        10,
        (
            date(2026, 3, 28),
            date(2026, 3, 29),
            date(2026, 3, 30),
            *(date(2025, 10, d) for d in (22, 23, 24, 25)),
        ),
    ),
    SitePlan("UTC", "UTC", date(2026, 10, 21), 9, tuple(date(2025, 10, d) for d in (24, 25, 26))),
    SitePlan(
        "New York",
        "America/New_York",
        date(2026, 10, 27),
        10,
        tuple(date(2025, 10, d) for d in (30, 31)),
    ),
)

PAGES = (
    "/",
    "/",
    "/blog",
    "/blog/post-1",
    "/Blog/Post-2",
    "/tour",
    "/tour",
    "/pricing",
    "/thanks",
    "/docs/a/b",
    "/s\u00f6k",
    "/50%_off",
    "",
    None,
)
HOSTS = ("www.example.nl", "www.example.nl", "www.example.nl", "shop.example.nl", "", None)
REFERRERS = (
    None,
    None,
    "",
    "www.google.com/",
    "www.google.com/",
    "news.ycombinator.com/item",
    "t.co/abc",
    "Www.Bing.com/",
    "www.example.nl/blog",
)
QUERIES = (
    None,
    None,
    None,
    "",
    "utm_source=google&utm_medium=cpc&utm_campaign=spring+sale",
    "utm_source=news%20letter&utm_campaign=%C3%A9t%C3%A9",
    "utm_source=&utm_medium=email",
    "utm%5Fsource=encoded&utm_term=a%2Bb",
    "utm_source=first&utm_source=second",
    "utm_content=Banner+A&utm_term=shoes",
    "utm_medium",
    "utm_source=Google&utm_campaign=50%25_off",
    "utm_source=&utm_source=late",
    "ref=x&utm_medium=social&utm_content=",
)
PLACES = (
    ("NL", "NL-NH", "Amsterdam"),
    ("NL", "NL-NH", "Amsterdam"),
    ("NL", "NL-ZH", "Den Haag"),
    ("DE", "DE-BE", "Berlin"),
    ("US", "US-NY", "New York"),
    ("US", "", ""),
    (None, None, None),
    ("", "", ""),
)
BROWSERS = (
    ("Chrome", "Windows", 1),
    ("Chrome", "macOS", 1),
    ("Firefox", "Linux", 1),
    ("Safari", "iOS", 2),
    ("Chrome Mobile", "Android", 2),
    ("Safari", "iOS", 3),
    (None, None, 0),
    ("", "", None),
)
SCREENS = ((1920, 1080), (1920, 1080), (390, 844), (1280, 800), (None, None), (1280, None))
LANGS = ("nl", "nl", "en", "de", None, "")
PLAYER_VERSIONS = ("2.3.1", "2.4.0", None, None, "")
CUSTOM = ("signup", "signup", "download", "Play Video", "newsletter", "50%_off")
PROP_VALUES = {
    "plan": ("pro", "free", "Pro"),
    "n": (1, 2, 3),
    "ok": (True, False),
    "label": ("a b", "x%_y"),
}
TRACKED = ("section#hero", "div.cta", "img.logo")
CLICKABLE = ("button#buy", "a#home", "nav a.docs", "button#buy")
# Media sources with their durations (None: a live stream).
MEDIA = (
    ("video#intro", "intro.mp4", 97.3),
    ("video#talk", "talk.webm", 1803.7),
    ("audio.song", "/media/song.mp3", 213.1),
    ("video#live", "live.m3u8", None),
    ("video#intro", "https://cdn.example.nl/intro.mp4", 61.7),
)
HOTSPOT = "a.hotspot"
SCRIPT = "https://www.example.nl/app.js"
JS_MESSAGES = ("TypeError: x is undefined", "ReferenceError: peil is not defined", None)


def person_hash(site: str, person: int, utc_day: date) -> int:
    """A visitor hash that changes every UTC day, as the daily salt makes it."""
    digest = hashlib.sha256(f"{site}/{person}/{utc_day}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass
class Context:
    """The request-level columns of a batch (one page load)."""

    values: dict[str, Any]


@dataclass
class Builder:
    plan: SitePlan
    rng: random.Random
    rows: list[dict[str, Any]] = field(default_factory=list)
    used: set[tuple[int, datetime]] = field(default_factory=set)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.plan.timezone)

    def context(self) -> dict[str, Any]:
        r = self.rng
        country, region, city = r.choice(PLACES)
        browser, os, device = r.choice(BROWSERS)
        w, h = r.choice(SCREENS)
        return {
            "referrer": r.choice(REFERRERS),
            "query": r.choice(QUERIES),
            "country": country,
            "region": region,
            "city": city,
            "browser": browser,
            "os": os,
            "device": device,
            "screen_w": w,
            "screen_h": h,
            "lang": r.choice(LANGS),
            "host": r.choice(HOSTS),
            "player_version": r.choice(PLAYER_VERSIONS),
        }

    def emit(self, person: int, ts: datetime, t: str, ctx: dict[str, Any], **cols: Any) -> None:
        visitor = person_hash(self.plan.label, person, ts.astimezone(UTC).date())
        while (visitor, ts) in self.used:
            ts += timedelta(milliseconds=1)
        self.used.add((visitor, ts))
        row = {c: None for c in COLUMNS}
        row.update(ctx)
        row.update(cols)
        row.update(ts=ts, visitor=visitor, type=CODES[t], seq=self.rng.randrange(200))
        self.rows.append(row)

    def visit(self, person: int, start: datetime) -> datetime:
        """One visit's events from `start`; returns the time of its last event."""
        r = self.rng
        ctx = self.context()
        now = start
        kind = r.random()
        if kind < 0.1:
            # No pageview at all: a custom event or an error from a page left open.
            if r.random() < 0.5:
                self.custom(person, now, ctx, None)
            else:
                self.error(person, now, ctx, r.choice(PAGES))
            return now
        pages = r.choice((1, 1, 1, 2, 2, 3, 4))
        for n in range(pages):
            if n and r.random() < 0.3:
                ctx = {**ctx, "referrer": r.choice(REFERRERS), "query": r.choice(QUERIES)}
            path = r.choice(PAGES)
            self.emit(person, now, "pageview", ctx, path=path)
            now = self.on_page(person, now, ctx, path)
            if r.random() < 0.8:
                now += timedelta(milliseconds=r.randrange(500, 90_000))
                eng = r.choice((None, r.randrange(0, 3_600_000), r.randrange(0, 120_000)))
                self.emit(
                    person, now, "pageleave", ctx, path=path, eng=eng, depth=r.randrange(0, 101)
                )
            if n + 1 < pages:
                now += timedelta(milliseconds=r.randrange(1_000, 25 * 60_000))
        return now

    def on_page(self, person: int, now: datetime, ctx: dict[str, Any], path: str | None):
        r = self.rng
        for _ in range(r.choice((0, 0, 1, 2, 3))):
            now += timedelta(milliseconds=r.randrange(200, 240_000))
            what = r.random()
            if what < 0.25:
                el = r.choice(CLICKABLE)
                self.emit(
                    person, now, "click", ctx, path=path, el=el, x=r.random(), y=r.randrange(2000)
                )
            elif what < 0.35:
                self.emit(
                    person,
                    now,
                    "hover",
                    ctx,
                    path=path,
                    el=r.choice(CLICKABLE),
                    x=r.random(),
                    y=r.randrange(2000),
                )
            elif what < 0.55:
                el = r.choice(TRACKED)
                self.emit(person, now, "eleOn", ctx, path=path, el=el)
                if r.random() < 0.15:  # on screen twice before it leaves
                    now += timedelta(milliseconds=r.randrange(100, 5_000))
                    self.emit(person, now, "eleOn", ctx, path=path, el=el)
                if r.random() < 0.8:
                    now += timedelta(milliseconds=r.randrange(100, 60_000))
                    self.emit(person, now, "eleOff", ctx, path=path, el=el)
            elif what < 0.7:
                now = self.custom(person, now, ctx, path)
            elif what < 0.8:
                now = self.error(person, now, ctx, path)
            else:
                now = self.player(person, now, ctx, path)
        return now

    def custom(self, person: int, now: datetime, ctx: dict[str, Any], path: str | None):
        r = self.rng
        props = {k: r.choice(v) for k, v in PROP_VALUES.items() if r.random() < 0.4}
        self.emit(person, now, "custom", ctx, path=path, name=r.choice(CUSTOM), props=props or None)
        return now

    def error(self, person: int, now: datetime, ctx: dict[str, Any], path: str | None):
        r = self.rng
        if r.random() < 0.5:
            msg = r.choice(JS_MESSAGES)
            self.emit(
                person, now, "error", ctx, path=path, src=SCRIPT, name=msg, props={"line": 12}
            )
        else:
            el, src, dur = r.choice(MEDIA)
            code = r.choice((None, 2, 4))
            self.emit(
                person,
                now,
                "error",
                ctx,
                path=path,
                el=el,
                src=src,
                pos=round(r.uniform(0, dur or 50), 1),
                dur=dur,
                props={"code": code} if code else None,
            )
        return now

    def player(self, person: int, now: datetime, ctx: dict[str, Any], path: str | None):
        """A player's events: a load (usually), plays, pauses, seeks, the end."""
        r = self.rng
        el, src, dur = r.choice(MEDIA)
        length = dur or 600.0

        def step(t: str, **cols: Any) -> None:
            nonlocal now
            now += timedelta(milliseconds=r.randrange(300, 20_000))
            self.emit(person, now, t, ctx, path=path, el=el, src=src, dur=dur, **cols)

        if r.random() < 0.9:
            step("videoLoad", pos=0.0)
        head = 0.0
        for _ in range(r.choice((0, 1, 1, 2, 3))):
            step("play", pos=head)
            start = head
            head = min(length, head + round(r.uniform(1, length / 2), 1))
            action = r.random()
            if action < 0.1 and r.random() < 0.5:  # a timecoded interaction
                kind = r.choice(("click", "hover", "eleOn"))
                at = round(r.uniform(start, head), 1)
                self.emit(
                    person,
                    now + timedelta(milliseconds=7),
                    kind,
                    ctx,
                    path=path,
                    el=HOTSPOT,
                    src=src,
                    pos=at,
                    x=0.5,
                    y=300,
                )
            if action < 0.45:
                step("pause", from_pos=start, pos=head)
            elif action < 0.7:
                target = round(r.uniform(0, length), 1)
                kind = "rewind" if target < head else "seek"
                step(kind, from_pos=start, to_pos=head, pos=target)
                head = target
                if r.random() < 0.2:  # a seek while paused: from == to
                    step("seek", from_pos=head, to_pos=head, pos=round(r.uniform(0, length), 1))
            elif action < 0.85 and dur:
                step("ended", from_pos=start, pos=dur)
                head = 0.0
            else:
                step("pause", from_pos=start, pos=head)
        if r.random() < 0.5:
            step("videoUnload", from_pos=head, pos=head)
        return now

    def day(self, day: date, people: int) -> None:
        r = self.rng
        zone = self.zone()
        midnight = datetime.combine(day, time(), zone)
        for person in range(people):
            if r.random() < 0.25:
                continue
            now = midnight + timedelta(seconds=r.randrange(0, 20 * 3600))
            for _ in range(r.choice((1, 1, 2, 2, 3))):
                end = self.visit(person, now.astimezone(UTC))
                gap = r.choice(
                    (
                        timedelta(minutes=30),  # exactly 30 minutes: a new visit
                        timedelta(minutes=30, milliseconds=1),
                        timedelta(minutes=29, seconds=59, milliseconds=999),  # the same visit
                        timedelta(hours=2),
                        timedelta(minutes=r.randrange(31, 300)),
                    )
                )
                now = end + gap
        # Around local midnight: a visit from 23:50 into the next day.
        for person in (people, people + 1):
            late = datetime.combine(day, time(23, 50 + person - people), zone)
            self.visit(person, late.astimezone(UTC))
        # Around UTC midnight (the visitor hash changes under the same person).
        utc_midnight = datetime.combine(day, time(), UTC) + timedelta(days=1)
        if self.plan.timezone != "UTC":
            self.visit(people + 2, utc_midnight - timedelta(minutes=4))


def generate(plan: SitePlan, seed: int, people: int = 12) -> list[dict[str, Any]]:
    """Rows of one site (without `site_id`), the same for the same seed."""
    builder = Builder(plan, random.Random(f"{seed}/{plan.label}"))
    days = [plan.first + timedelta(days=i) for i in range(plan.days)]
    for day in (*days, *plan.extra_days):
        builder.day(day, people)
    zone = builder.zone()
    ctx = builder.context()
    # The hours a change of summer time repeats: one pageview in each.
    for day in (date(2026, 10, 25), date(2026, 11, 1)):
        start = datetime.combine(day, time(), zone).astimezone(UTC)
        for hour in range(26):
            builder.emit(
                900 + hour, start + timedelta(hours=hour, minutes=30), "pageview", ctx, path="/dst"
            )
    return [row for row in builder.rows if in_data(row["ts"], plan)]


def in_data(ts: datetime, plan: SitePlan) -> bool:
    """Only rows of the plan's days (local), so the data ends where its days end."""
    local = ts.astimezone(ZoneInfo(plan.timezone)).date()
    days = {plan.first + timedelta(days=i) for i in range(plan.days)} | set(plan.extra_days)
    return local in days


def data_days(plan: SitePlan) -> list[date]:
    return [plan.first + timedelta(days=i) for i in range(plan.days)]


async def insert_rows(conn: asyncpg.Connection, site_id: int, rows: list[dict[str, Any]]) -> None:
    """COPY the rows into `events`, creating their UTC days' partitions first."""
    import orjson

    for day in sorted({row["ts"].astimezone(UTC).date() for row in rows}):
        await ensure_partitions(conn, day, day)
    records = []
    for row in rows:
        values = {**row, "site_id": site_id}
        if values["props"] is not None:
            values["props"] = orjson.dumps(values["props"]).decode()
        records.append(tuple(values[c] for c in COLUMNS))
    # jsonb goes in as text through a staging table: COPY's binary jsonb needs a codec.
    await conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS staged_events (LIKE events) ON COMMIT PRESERVE ROWS"
    )
    await conn.execute("ALTER TABLE staged_events ALTER COLUMN props TYPE text")
    await conn.execute("TRUNCATE staged_events")
    await conn.copy_records_to_table("staged_events", records=records, columns=list(COLUMNS))
    names = ", ".join(COLUMNS)
    await conn.execute(
        f"INSERT INTO events ({names}) SELECT {names.replace('props', 'props::jsonb')}"
        " FROM staged_events"
    )
    await conn.execute("DROP TABLE staged_events")


# Goals of every site: event goals, page goals with and without `*`, patterns
# holding LIKE's own wildcards (which must match only themselves), one that
# matches nothing.
GOALS = (
    ("Signed up", "event", "signup"),
    ("Video", "event", "Play Video"),
    ("Never", "event", "no-such-event"),
    ("Blog", "page", "/blog*"),
    ("Blog posts", "page", "/blog/*"),
    ("Thanks", "page", "/thanks"),
    ("Sale page", "page", "/50%_off"),
    ("Not a wildcard", "page", "/50_*"),
    ("Everything", "page", "/*"),
    ("Docs", "page", "/docs/*/b"),
)


@dataclass
class LoadedSite:
    id: int
    key: str
    plan: SitePlan
    rows: int


async def load_dataset(
    conn: asyncpg.Connection, seed: int, plans: tuple[SitePlan, ...] = PLANS
) -> list[LoadedSite]:
    """The sites of `plans` with their rows and goals, rolled up as the jobs would."""
    from tests.support.dashboard_data import add_site, fold

    loaded = []
    for plan in plans:
        site = await add_site(conn, f"Analytics {plan.label}", plan.timezone)
        rows = generate(plan, seed)
        await insert_rows(conn, site["id"], rows)
        await conn.executemany(
            "INSERT INTO goals (site_id, name, kind, match) VALUES ($1, $2, $3, $4)",
            [(site["id"], *goal) for goal in GOALS],
        )
        await fold(conn, site)
        loaded.append(LoadedSite(site["id"], site["key"], plan, len(rows)))
    return loaded
