"""Folding raw events into the rollup tables, one batch of rows at a time.

A fold reads the rows in the temp table `rollup_input` (filled by
`load_new_rows`, the rows committed since the previous run, or by
`load_day`, every row of one day: collector/rollup/input_rows.py) and adds
them to the aggregates:

- additive counts (events, pageviews, events per type, breakdown pageviews,
  click cells and elements) are added: an insert that adds to the row on
  conflict;
- distinct visitors (per day, and per breakdown key) count the (visitor,
  key) pairs not yet in `rollup_open_seen` (keyed visitor first: a run
  reads the touched visitors' pairs as one index range each);
- visits are merged into `rollup_open_visits` (a visit is an interval whose
  inner gaps are all under 30 minutes) and the day's visits, bounces and
  seconds change by the difference. The new events of a visitor within one
  30-minute slot of the clock are always in one visit, so they are gathered
  into one span (by hashing, not sorting the wide rows) before the merge;
  a merged visit's first-event attributes and entry and exit pages come
  from an old visit's columns or are looked up among the new rows by their
  (ts, seq) (sql/queries/rollup.fold.fold_visits.merge.sql);
- media: the events of each (visitor, el, src) touched are kept (packed)
  in `rollup_open_media`, summarized again with the new ones, and the day's
  media rows change by the difference (collector/rollup/media_fold.py).

The caller (collector/rollup/job.py) runs a whole fold in one REPEATABLE
READ transaction together with the move of its snapshot cursor, so every row
is folded exactly once. Rebuilding a day = clearing its aggregates and state
(collector/rollup/open_days.py), then folding every raw row of the day the
same way, so a rebuilt day and an incrementally folded one hold the same
numbers.
"""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from collector.db.queries import load
from collector.model.vocabulary import EVENT_TYPES, MEDIA_TYPES
from collector.rollup import media_fold

SQL = load(__name__)

# The aggregates a fold adds to (the dashboard reads only these).
ROLLUP_TABLES = (
    "rollup_days",
    "rollup_day_types",
    "rollup_day_keys",
    "rollup_day_media",
    "rollup_day_visit_keys",
    "rollup_day_reports",
    "rollup_day_clicks",
    "rollup_day_click_elements",
    "rollup_day_site_clicks",
)

VISIT_GAP = timedelta(minutes=30)
# Events that make a visit more than a bounce. Passive ones (pageleave,
# hover, elements scrolled into view, errors, a player loading) do not.
INTERACTIONS = [EVENT_TYPES[t] for t in ("click", "custom", "play", "pause", "seek", "rewind")]
INTERACTIONS.append(EVENT_TYPES["ended"])
PAGEVIEW = EVENT_TYPES["pageview"]
CLICK = EVENT_TYPES["click"]
CUSTOM = EVENT_TYPES["custom"]
PLAYER = sorted(EVENT_TYPES[t] for t in MEDIA_TYPES)

# rollup_open_seen.dim: 0 = any event (the day's visitors), then 1, 2, ...
# for the breakdown dimensions, in collector.model.vocabulary.DIMENSIONS order
# (the codes and keys are listed in sql/queries/rollup.fold.fold_keys.sql).
ANY_EVENT = 0


async def fold_input(conn: asyncpg.Connection) -> int:
    """Add the rows of rollup_input to the aggregates and the open-day state,
    then empty it; the number of rows folded."""
    rows = await conn.fetchval("SELECT count(*) FROM rollup_input")
    if rows:
        # A temp table has no statistics until analyzed: without them the
        # planner takes the input for a few rows and picks nested loops and
        # sorts. The columns the fold groups and joins on are enough (a
        # sample of at most 30,000 rows; 40 ms for 200,000).
        await conn.execute("ANALYZE rollup_input (site_id, day, visitor, type)")
        await _fold_days(conn)
        await _fold_visitors(conn)
        await _fold_visits(conn)
        await _fold_types(conn)
        await _fold_keys(conn)
        await _fold_clicks(conn)
        await media_fold.fold_media(conn)
    await conn.execute("TRUNCATE rollup_input, rollup_old_visits, rollup_media_delta")
    return rows


async def _fold_days(conn: asyncpg.Connection) -> None:
    await conn.execute(SQL.fold_days, PAGEVIEW)


async def _fold_visitors(conn: asyncpg.Connection) -> None:
    await conn.execute(SQL.fold_visitors, ANY_EVENT)


async def _fold_visits(conn: asyncpg.Connection) -> None:
    # The visits of the visitors in the input leave the state...
    await conn.execute(SQL["fold_visits.old"])
    # ... and come back merged with the new events (gathered into spans
    # first): items in time order, a new visit where an item starts 30
    # minutes or more after every earlier one has ended. Peers (same lo,
    # lo_seq and hi) can only continue a visit, so the start row sorts first
    # among them (starts DESC). The seconds of a visit, in microseconds:
    # first to last event, or the summed pageleave engagement when longer
    # (README, "Visit duration").
    await conn.execute(SQL["fold_visits.merge"], PAGEVIEW, INTERACTIONS, VISIT_GAP)


async def _fold_types(conn: asyncpg.Connection) -> None:
    await conn.execute(SQL.fold_types)


async def _fold_keys(conn: asyncpg.Connection) -> None:
    # One grouping set per dimension, in vocabulary.DIMENSIONS order, each an
    # expression giving the key ('' = unknown): the (visitor, dimension, key)
    # pairs come out of one pass over the input, each set with only its own
    # key not NULL; then the `event` and `media` pairs of custom and player
    # events, added to them.
    await conn.execute(SQL.fold_keys, PAGEVIEW, CUSTOM, PLAYER)


async def _fold_clicks(conn: asyncpg.Connection) -> None:
    await conn.execute(SQL["fold_clicks.cells"], CLICK)
    await conn.execute(SQL["fold_clicks.elements"], CLICK)
