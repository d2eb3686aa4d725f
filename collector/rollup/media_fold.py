"""The media step of a fold (what it does: collector/rollup/fold.py).

The events of each (visitor, el, src) touched are kept in
`rollup_open_media.events`, packed (one fixed-size record per event, see
migration 0005), next to the counts and coverage they made. A fold unpacks
them, adds the new ones, summarizes the whole again with
collector/rollup/media_plays.py, writes the new state rows in place of the old
ones, and adds the differences to rollup_day_media through the temp table
`rollup_media_delta`, in one statement.
"""

from __future__ import annotations

import asyncio
import struct
from collections import defaultdict
from operator import itemgetter

import asyncpg

from collector.db.queries import load
from collector.rollup.media_plays import ERROR, MEDIA_CODES, RETENTION_POINTS, summarize_one

SQL = load(__name__)

# rollup_day_media counters (and the contribution kept per visitor and media
# in rollup_open_media), named as the MediaDay fields; watch_us is derived.
# The query that adds them (fold_media.add) lists each one.
MEDIA_COUNTS = (
    "loads",
    "plays",
    "viewers",
    "completions",
    "seeks",
    "rewinds",
    "errors",
    "timed_plays",
)

# One event in rollup_open_media.events (see migration 0005).
_EVENT = struct.Struct("<qhhBffff")
_COVERAGE = struct.Struct(f"<{RETENTION_POINTS}i")
_TIME_ORDER = itemgetter(0, 1)  # ts, seq
# Media plays summarized between two turns of the event loop (about 10 ms).
YIELD_EVERY = 500
_STATE_COLUMNS = (
    "day",
    "site_id",
    "visitor",
    "el",
    "src",
    "events",
    *MEDIA_COUNTS,
    "watch_us",
    "coverage",
)
_DELTA_COLUMNS = ("site_id", "day", "el", "src", *MEDIA_COUNTS, "watch_us", "coverage")


def _pack(events: list[tuple]) -> bytes:
    """(ts_us, seq, type, pos, from_pos, to_pos, dur) tuples -> packed events."""
    out = bytearray()
    pack = _EVENT.pack
    for ts, seq, type_, pos, frm, to, dur in events:
        mask = (pos is None) | (frm is None) << 1 | (to is None) << 2 | (dur is None) << 3
        out += pack(ts, seq, type_, mask, pos or 0.0, frm or 0.0, to or 0.0, dur or 0.0)
    return bytes(out)


def _unpack(packed: bytes) -> list[tuple]:
    out = []
    for ts, seq, type_, mask, pos, frm, to, dur in _EVENT.iter_unpack(packed):
        if mask:
            pos = None if mask & 1 else pos
            frm = None if mask & 2 else frm
            to = None if mask & 4 else to
            dur = None if mask & 8 else dur
        out.append((ts, seq, type_, pos, frm, to, dur))
    return out


async def fold_media(conn: asyncpg.Connection) -> None:
    """The media rows of rollup_input into rollup_open_media and rollup_day_media."""
    media = (list(MEDIA_CODES), ERROR)
    new = await conn.fetch(SQL["fold_media.new"], *media)
    if not new:
        return
    old = await conn.fetch(SQL["fold_media.old"], *media)
    events: dict[tuple, list[tuple]] = defaultdict(list)
    before: dict[tuple, asyncpg.Record] = {}
    for r in old:
        key = (r["day"], r["site_id"], r["visitor"], r["el"], r["src"])
        before[key] = r
        events[key] = _unpack(r["events"])
    for n, (day, site_id, visitor, el, src, *event) in enumerate(new):
        if n % (YIELD_EVERY * 10) == 0:
            await asyncio.sleep(0)
        events[(day, site_id, visitor, el, src)].append(tuple(event))

    state = []
    deltas: dict[tuple, list] = {}
    zero = [0] * RETENTION_POINTS
    for n, (key, evs) in enumerate(events.items()):
        if n % YIELD_EVERY == 0:
            # This loop is the rollup's only long stretch of Python: let the
            # ingest handlers of this event loop run in between.
            await asyncio.sleep(0)
        day, site_id, visitor, el, src = key
        evs.sort(key=_TIME_ORDER)
        summary = summarize_one(e[2:] for e in evs)
        counts = [getattr(summary, name) for name in MEDIA_COUNTS]
        watch_us = round(summary.watch_seconds * 1_000_000)
        coverage = summary.coverage
        state.append((*key, _pack(evs), *counts, watch_us, _COVERAGE.pack(*coverage)))
        delta = deltas.setdefault(
            (site_id, day, el, src), [0] * len(MEDIA_COUNTS) + [0, [0] * RETENTION_POINTS]
        )
        prev = before.get(key)
        prev_coverage = _COVERAGE.unpack(prev["coverage"]) if prev else zero
        for i, name in enumerate(MEDIA_COUNTS):
            delta[i] += counts[i] - (prev[name] if prev else 0)
        delta[-2] += watch_us - (prev["watch_us"] if prev else 0)
        total = delta[-1]
        for i in range(RETENTION_POINTS):
            total[i] += coverage[i] - prev_coverage[i]
    await conn.copy_records_to_table("rollup_open_media", records=state, columns=_STATE_COLUMNS)
    await conn.copy_records_to_table(
        "rollup_media_delta",
        records=[(*key, *d) for key, d in deltas.items()],
        columns=_DELTA_COLUMNS,
    )
    await conn.execute(SQL["fold_media.add"])
