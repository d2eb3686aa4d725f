"""Media engagement of one day: raw player events -> plays -> one summary per media.

Definitions (README, "Dashboard API"):

- A *session* is the events of one visitor hash for one media (`el` + `src`)
  in one day, from one `videoLoad` up to the next; events before the first
  `videoLoad` of the day form a session of their own.
- A *play* is a session with at least one `play` event.
- Watched segments: `from` -> `pos` on pause, ended and videoUnload; `from`
  -> `to` on seek and rewind. Zero-length segments (a seek while paused has
  from == to) watched nothing and are ignored.
- Watch time of a play: the sum of its segments (rewatching counts) capped
  at the duration; the retention curve and the 90 % completion test use the
  union of the segments (overlaps once), clipped to [0, duration].

Pure functions, so the numbers can be checked without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from collector.model.vocabulary import EVENT_TYPES

LOAD = EVENT_TYPES["videoLoad"]
PLAY = EVENT_TYPES["play"]
PAUSE = EVENT_TYPES["pause"]
SEEK = EVENT_TYPES["seek"]
REWIND = EVENT_TYPES["rewind"]
ENDED = EVENT_TYPES["ended"]
UNLOAD = EVENT_TYPES["videoUnload"]
ERROR = EVENT_TYPES["error"]
MEDIA_CODES = (LOAD, PLAY, PAUSE, SEEK, REWIND, ENDED, UNLOAD)
# Segments ending at the playhead vs. before a jump.
_ENDS_AT_POS = (PAUSE, ENDED, UNLOAD)
_ENDS_AT_TO = (SEEK, REWIND)

RETENTION_POINTS = 21  # 0 %, 5 %, ... 100 % of the duration
COMPLETE_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class MediaEvent:
    """One raw event of a media element, in (visitor, el, src, ts, seq) order."""

    visitor: int
    el: str
    src: str
    type: int
    pos: float | None
    from_pos: float | None
    to_pos: float | None
    dur: float | None


@dataclass(slots=True)
class Session:
    loaded: bool = False
    played: bool = False
    ended: bool = False
    dur: float | None = None
    segments: list[tuple[float, float]] = field(default_factory=list)


@dataclass(slots=True)
class MediaDay:
    """The summary of one media for one day, as stored in rollup_day_media."""

    loads: int = 0
    plays: int = 0
    viewers: int = 0
    watch_seconds: float = 0.0
    completions: int = 0
    seeks: int = 0
    rewinds: int = 0
    errors: int = 0
    timed_plays: int = 0
    coverage: list[int] = field(default_factory=lambda: [0] * RETENTION_POINTS)


def segment(event: MediaEvent) -> tuple[float, float] | None:
    """The watched segment an event reports, or None."""
    if event.type in _ENDS_AT_POS:
        start, end = event.from_pos, event.pos
    elif event.type in _ENDS_AT_TO:
        start, end = event.from_pos, event.to_pos
    else:
        return None
    if start is None or end is None or end <= start:
        return None
    return start, end


def union(segments: Iterable[tuple[float, float]], dur: float) -> list[tuple[float, float]]:
    """Segments clipped to [0, dur], overlapping ones merged, in order."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((max(0.0, a), min(b, dur)) for a, b in segments):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def covered_points(ranges: Sequence[tuple[float, float]], dur: float) -> list[bool]:
    """For 0 %, 5 %, ... 100 % of `dur`: whether a watched range contains that point."""
    points = [dur * i / (RETENTION_POINTS - 1) for i in range(RETENTION_POINTS)]
    return [any(a <= p <= b for a, b in ranges) for p in points]


def sessions(events: Iterable[MediaEvent]) -> Iterable[tuple[MediaEvent, Session]]:
    """(first event, session) for each session; `events` sorted by visitor, el, src, time."""
    key = None
    current: Session | None = None
    first: MediaEvent | None = None
    for event in events:
        here = (event.visitor, event.el, event.src)
        if here != key or event.type == LOAD:
            if current is not None and first is not None:
                yield first, current
            key, current, first = here, Session(), event
        assert current is not None
        current.loaded |= event.type == LOAD
        current.played |= event.type == PLAY
        current.ended |= event.type == ENDED
        if event.dur is not None and event.dur > 0:
            current.dur = max(current.dur or 0.0, event.dur)
        watched = segment(event)
        if watched is not None:
            current.segments.append(watched)
    if current is not None and first is not None:
        yield first, current


def add_play(day: MediaDay, play: Session) -> None:
    day.plays += 1
    watched = sum(b - a for a, b in play.segments)
    if play.dur is None:
        day.watch_seconds += watched
        day.completions += play.ended
        return
    ranges = union(play.segments, play.dur)
    day.watch_seconds += min(watched, play.dur)
    day.timed_plays += 1
    if play.ended or sum(b - a for a, b in ranges) >= COMPLETE_SHARE * play.dur:
        day.completions += 1
    for i, covered in enumerate(covered_points(ranges, play.dur)):
        day.coverage[i] += covered


def summarize(events: Iterable[MediaEvent]) -> dict[tuple[str, str], MediaDay]:
    """Per (el, src): the day's loads, plays, watch time, curve and counts."""
    days: dict[tuple[str, str], MediaDay] = {}
    viewers: dict[tuple[str, str], set[int]] = {}
    counted = []
    for event in events:
        counted.append(event)
        day = days.setdefault((event.el, event.src), MediaDay())
        day.loads += event.type == LOAD
        day.seeks += event.type == SEEK
        day.rewinds += event.type == REWIND
        day.errors += event.type == ERROR
    for first, session in sessions(e for e in counted if e.type != ERROR):
        if session.played:
            add_play(days[(first.el, first.src)], session)
            viewers.setdefault((first.el, first.src), set()).add(first.visitor)
    for media, seen in viewers.items():
        days[media].viewers = len(seen)
    return days


def summarize_one(events: Iterable[tuple]) -> MediaDay:
    """The summary of one visitor's events for one media, as summarize() gives
    it for that (el, src), from plain (type, pos, from_pos, to_pos, dur)
    tuples in time order: the rollup's fast path (no event objects)."""
    day = MediaDay()
    current: Session | None = None
    for type_, pos, from_pos, to_pos, dur in events:
        if type_ == ERROR:
            day.errors += 1
            continue
        if type_ == LOAD:
            day.loads += 1
        elif type_ == SEEK:
            day.seeks += 1
        elif type_ == REWIND:
            day.rewinds += 1
        if current is None or type_ == LOAD:
            if current is not None and current.played:
                add_play(day, current)
            current = Session()
        current.loaded |= type_ == LOAD
        current.played |= type_ == PLAY
        current.ended |= type_ == ENDED
        if dur is not None and dur > 0:
            current.dur = max(current.dur or 0.0, dur)
        if type_ in _ENDS_AT_POS:
            start, end = from_pos, pos
        elif type_ in _ENDS_AT_TO:
            start, end = from_pos, to_pos
        else:
            continue
        if start is not None and end is not None and end > start:
            current.segments.append((start, end))
    if current is not None and current.played:
        add_play(day, current)
    day.viewers = int(day.plays > 0)
    return day
