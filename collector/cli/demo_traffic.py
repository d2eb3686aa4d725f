"""Synthetic but believable traffic for the demo site, written with COPY.

Rows have the columns the ingest pipeline fills (receive time, daily visitor
hash, enrichment results), so every dashboard view has something to show:
pages, referrers, countries, devices, three media with drop-off, seeks and
rewinds, and clicks clustered on real-looking buttons. Seeded: the same day
always gets the same visits.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg

from collector.db.partitions import ensure_partitions
from collector.model.vocabulary import EVENT_TYPES
from collector.rollup.days import local_day, local_midnight

COLUMNS = (
    "ts",
    "visitor",
    "site_id",
    "type",
    "seq",
    "host",
    "path",
    "referrer",
    "country",
    "region",
    "city",
    "browser",
    "browser_version",
    "os",
    "device",
    "lang",
    "screen_w",
    "screen_h",
    "el",
    "src",
    "pos",
    "from_pos",
    "to_pos",
    "dur",
    "x",
    "y",
    "depth",
    "eng",
    "name",
)

PAGES = ["/", "/tour", "/pricing", "/blog/privacy-first", "/blog/video-stats", "/docs", "/contact"]
PAGE_WEIGHTS = [30, 18, 14, 10, 8, 12, 8]
REFERRERS = [
    None,
    "www.google.com/",
    "duckduckgo.com/",
    "www.linkedin.com/feed/",
    "news.ycombinator.com/item",
    "nieuwsbrief.example.nl/juni",
    "t.co/",
]
REFERRER_WEIGHTS = [35, 30, 8, 8, 6, 8, 5]
PLACES = [
    ("NL", "NL-NH", "Amsterdam"),
    ("NL", "NL-ZH", "Rotterdam"),
    ("NL", "NL-UT", "Utrecht"),
    ("BE", "BE-VAN", "Antwerpen"),
    ("DE", "DE-BE", "Berlin"),
    ("GB", "GB-LND", "London"),
    ("US", "US-CA", "San Francisco"),
    ("FR", "FR-IDF", "Paris"),
    (None, None, None),
]
PLACE_WEIGHTS = [22, 12, 8, 9, 12, 10, 10, 7, 4]
# (browser, version, os, device code, screen)
DEVICES = [
    ("Chrome", 131, "Windows", 1, (1920, 1080)),
    ("Firefox", 133, "Linux", 1, (2560, 1440)),
    ("Safari", 18, "Mac OS X", 1, (1512, 982)),
    ("Chrome Mobile", 131, "Android", 2, (412, 915)),
    ("Mobile Safari", 18, "iOS", 2, (390, 844)),
    ("Mobile Safari", 17, "iOS", 3, (820, 1180)),
    ("Edge", 131, "Windows", 1, (1366, 768)),
]
DEVICE_WEIGHTS = [30, 10, 14, 20, 18, 5, 6]
LANGS = ["nl", "en", "de", "fr"]
LANG_WEIGHTS = [55, 30, 9, 6]
# page -> (element, x centre, y centre) people click
BUTTONS = {
    "/": [
        ("a#start", 0.5, 620),
        ("nav a[href=/pricing]", 0.78, 32),
        ("nav a[href=/tour]", 0.66, 32),
    ],
    "/tour": [("button#play-tour", 0.5, 540), ("a#signup", 0.5, 1480)],
    "/pricing": [
        ("button.plan-basic", 0.22, 880),
        ("button.plan-pro", 0.5, 880),
        ("button.plan-studio", 0.78, 880),
        ("a#faq", 0.5, 1650),
    ],
    "/contact": [("button#send", 0.35, 940)],
}
# page -> (element, src, duration s, mean share watched)
MEDIA = {
    "/": ("video#hero", "https://demo.peil.localhost/media/hero.mp4", 94.0, 0.55),
    "/tour": ("video#tour", "https://demo.peil.localhost/media/tour-2025.mp4", 312.0, 0.35),
    "/blog/video-stats": (
        "audio#episode",
        "https://demo.peil.localhost/media/ep12.mp3",
        1810.0,
        0.25,
    ),
}
T = EVENT_TYPES


@dataclass
class Visitor:
    hash: int
    fields: dict


def _pick(rng: random.Random, values: list, weights: list):
    return rng.choices(values, weights)[0]


def new_visitor(rng: random.Random) -> Visitor:
    country, region, city = _pick(rng, PLACES, PLACE_WEIGHTS)
    browser, version, os, device, (w, h) = _pick(rng, DEVICES, DEVICE_WEIGHTS)
    return Visitor(
        rng.getrandbits(63) - (1 << 62),
        {
            "referrer": _pick(rng, REFERRERS, REFERRER_WEIGHTS),
            "country": country,
            "region": region,
            "city": city,
            "browser": browser,
            "browser_version": version,
            "os": os,
            "device": device,
            "lang": _pick(rng, LANGS, LANG_WEIGHTS),
            "screen_w": w,
            "screen_h": h,
        },
    )


def watching(rng: random.Random, dur: float, share: float) -> Iterator[tuple[str, dict, float]]:
    """(event type, fields, seconds after the previous event) of one play."""
    yield "play", {"pos": 0.0}, 2.0
    pos, start = 0.0, 0.0
    stop = min(dur, rng.expovariate(1 / (share * dur)))
    while pos < stop:
        pos = min(stop, pos + rng.uniform(0.15, 0.5) * dur)
        roll = rng.random()
        if pos < stop and roll < 0.12:  # rewind: watch a bit again
            target = max(0.0, pos - rng.uniform(5, 20))
            yield "rewind", {"from_pos": start, "to_pos": pos, "pos": target}, pos - start
            pos = start = target
        elif pos < stop and roll < 0.25:  # skip ahead
            target = min(dur, pos + rng.uniform(0.05, 0.2) * dur)
            yield "seek", {"from_pos": start, "to_pos": pos, "pos": target}, pos - start
            pos = start = target
    if pos >= dur:
        yield "ended", {"from_pos": start, "pos": dur}, dur - start
    else:
        yield "pause", {"from_pos": start, "pos": round(pos, 1)}, pos - start
        yield "videoUnload", {"from_pos": round(pos, 1), "pos": round(pos, 1)}, 1.0


def page_events(rng: random.Random, path: str) -> Iterator[tuple[str, dict, float]]:
    """(type, fields, delay) of one page view after its pageview event."""
    media = MEDIA.get(path)
    if media:
        el, src, dur, share = media
        yield "videoLoad", {"el": el, "src": src, "dur": dur, "pos": 0.0}, 1.0
        if rng.random() < 0.6:
            for kind, fields, delay in watching(rng, dur, share):
                yield kind, {"el": el, "src": src, "dur": dur, **fields}, max(delay, 0.5)
    for el, x, y in BUTTONS.get(path, []):
        if rng.random() < 0.12:
            fields = {
                "el": el,
                "x": min(1.0, max(0.0, rng.gauss(x, 0.03))),
                "y": max(0, int(rng.gauss(y, 12))),
            }
            yield "click", fields, rng.uniform(3, 40)
    yield "pageleave", {"depth": rng.randint(20, 100), "eng": rng.randint(4_000, 180_000)}, 20.0


def visit_rows(rng: random.Random, site_id: int, start: datetime, until: datetime) -> list[tuple]:
    visitor = new_visitor(rng)
    rows, at, seq = [], start, 0
    path = _pick(rng, PAGES, PAGE_WEIGHTS)
    for _ in range(1 + min(int(rng.expovariate(0.8)), 6)):
        steps = [("pageview", {}, 0.0), *page_events(rng, path)]
        for kind, fields, delay in steps:
            at += timedelta(seconds=delay)
            if at >= until:
                return rows
            values = {**visitor.fields, **fields, "path": path, "host": "demo.peil.localhost"}
            row = {"ts": at, "visitor": visitor.hash, "site_id": site_id, "type": T[kind]}
            rows.append(tuple({**row, "seq": seq % 200, **values}.get(c) for c in COLUMNS))
            seq += 1
        path = _pick(rng, PAGES, PAGE_WEIGHTS)
        at += timedelta(seconds=rng.uniform(5, 90))
    return rows


def visits_on(day: date, today: date) -> int:
    """Visits of a day: a slow rise, quieter weekends."""
    base = 260 - 4 * (today - day).days
    return int(base * (0.6 if day.weekday() >= 5 else 1.0))


def day_rows(site_id: int, day: date, timezone: str, now: datetime, today: date) -> list[tuple]:
    rng = random.Random(f"peil-demo-{day.isoformat()}")
    midnight = local_midnight(day, timezone)
    rows = []
    for _ in range(visits_on(day, today)):
        # Busiest in the afternoon and evening, local time.
        hour = min(23.99, max(0.0, rng.gauss(15, 4.5)))
        start = midnight + timedelta(hours=hour)
        if start < now:
            rows.extend(visit_rows(rng, site_id, start, now))
    return rows


async def add_demo_traffic(
    conn: asyncpg.Connection,
    site_id: int,
    timezone: str,
    days: int,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write `days` days of traffic ending now, in one transaction; the row count."""
    now = datetime.now(UTC)
    today = local_day(now, timezone)
    first = today - timedelta(days=days - 1)
    await ensure_partitions(conn, local_midnight(first, timezone).date(), now.date())
    total = 0
    async with conn.transaction():
        for i in range(days):
            rows = day_rows(site_id, first + timedelta(days=i), timezone, now, today)
            await conn.copy_records_to_table("events", records=rows, columns=COLUMNS)
            total += len(rows)
            if progress is not None:
                progress(i + 1, days)
    return total
