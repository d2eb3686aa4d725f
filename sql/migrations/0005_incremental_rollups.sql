-- Incremental rollups: each run folds only the raw rows committed since the
-- previous run (collector/jobs/rollup.py, collector/store/rollups.py).
--
-- Which rows are new is decided by PostgreSQL's own transaction ids, not by
-- `ts`: every row carries the id of the transaction that inserted it, and a
-- run folds the rows whose transaction is visible in its snapshot but was
-- not in the previous run's snapshot (stored in rollup_state). A row is thus
-- folded exactly once however late it arrives (a spool replayed hours
-- later), and a run that dies rolls back whole, its snapshot included.

-- Instant on existing partitions: rows inserted before this migration are
-- NULL and were folded by the old per-day mechanism (see rollup.py:
-- the first run after the upgrade rebuilds the days since the old watermark).
ALTER TABLE events ADD COLUMN rollup_xact xid8;
-- Filled by PostgreSQL for every row the writer COPYs (its column list does
-- not name this column), for every INSERT and on every new partition.
ALTER TABLE events ALTER COLUMN rollup_xact SET DEFAULT pg_current_xact_id();
-- A run reads its new rows through this index: the ids only grow, so the
-- index is appended to at its right edge (and deduplicated: all rows of one
-- COPY batch share one id).
CREATE INDEX events_rollup_xact ON events (rollup_xact) WHERE rollup_xact IS NOT NULL;

-- NULL: the next run rebuilds the days that hold rows received since
-- `watermark` minus the old late window (fresh install: every day).
ALTER TABLE rollup_state ADD COLUMN snapshot pg_snapshot;
ALTER TABLE rollup_state DROP COLUMN late_checked_at;

-- Exact sums for incremental updates: visit seconds and watch time are kept
-- as integer microseconds (additions and subtractions in any order give the
-- same total); the double precision columns the dashboard reads are derived
-- from them.
ALTER TABLE rollup_days ADD COLUMN visit_us bigint NOT NULL DEFAULT 0;
UPDATE rollup_days SET visit_us = round(visit_seconds * 1000000)::bigint;
ALTER TABLE rollup_day_media ADD COLUMN watch_us bigint NOT NULL DEFAULT 0;
UPDATE rollup_day_media SET watch_us = round(watch_seconds * 1000000)::bigint;

-- Working state of the open days (today and yesterday in any time zone):
-- what a distinct count, a visit or a media play needs to take a new row
-- into account without reading the day again. These tables hold visitor
-- hashes, like the raw events they are derived from, so they are not
-- aggregates: the rollup deletes them once a day is closed (two UTC days
-- back), well before any raw event is purged, and they never outlive them.
--
-- They are UNLOGGED: derived from raw rows that are still there, they need
-- not survive a crash, and their writes cost no WAL. PostgreSQL empties every
-- unlogged table when it recovers from a crash (and on a promoted standby or
-- a restored base backup). rollup_open_days is unlogged too, so a state lost
-- that way is never read as a state of its day: the day is simply no longer
-- open, and the next row for it rebuilds it from its raw rows
-- (collector/jobs/rollup.py), exactly as for a closed day. The aggregates
-- and the run's snapshot (rollup_state) stay logged.

CREATE UNLOGGED TABLE rollup_open_days (
    day     date NOT NULL,
    site_id integer NOT NULL,
    PRIMARY KEY (day, site_id)
);

-- One row per (visitor, dimension, key) seen on a day: dim 0 = any event
-- (the day's visitors), 1..10 = a pageview with that breakdown key (in the
-- order of collector.store.rollups.DIMENSIONS). The key is kept as a 64-bit
-- hash: fixed width, and a page path may be longer than a btree entry.
CREATE UNLOGGED TABLE rollup_open_seen (
    day      date NOT NULL,
    site_id  integer NOT NULL,
    dim      smallint NOT NULL,
    key_hash bigint NOT NULL,
    visitor  bigint NOT NULL,
    PRIMARY KEY (day, site_id, dim, key_hash, visitor)
);

-- The visits of a day: gaps inside a visit are all under 30 minutes, so a
-- new event either extends or bridges visits, or starts one; measures of a
-- visit are sums and extremes, so merging visits merges them.
CREATE UNLOGGED TABLE rollup_open_visits (
    day          date NOT NULL,
    site_id      integer NOT NULL,
    visitor      bigint NOT NULL,
    first_ts     timestamptz NOT NULL,
    last_ts      timestamptz NOT NULL,
    pageviews    integer NOT NULL,
    interactions integer NOT NULL,
    eng          bigint NOT NULL,         -- summed pageleave engagement, ms
    PRIMARY KEY (day, site_id, visitor, first_ts)
);

-- The player events of one visitor for one media on a day (sessions split
-- on videoLoad, so a late event can change them), and what they added to
-- rollup_day_media, to be replaced when new events come. The events are
-- packed: the rollup reads and rewrites them on every run that brings that
-- visitor a player event, and a packed string costs a fraction of seven
-- arrays to decode and encode.
CREATE UNLOGGED TABLE rollup_open_media (
    day         date NOT NULL,
    site_id     integer NOT NULL,
    visitor     bigint NOT NULL,
    el          text NOT NULL,
    src         text NOT NULL,
    -- per event, little-endian, in (ts, seq) order: ts (int8, microseconds
    -- since 1970), seq (int2), type (int2), a null mask (1 byte: pos,
    -- from_pos, to_pos, dur), pos, from_pos, to_pos, dur (float4 each)
    events      bytea NOT NULL,
    loads       integer NOT NULL,
    plays       integer NOT NULL,
    viewers     integer NOT NULL,
    watch_us    bigint NOT NULL,
    completions integer NOT NULL,
    seeks       integer NOT NULL,
    rewinds     integer NOT NULL,
    errors      integer NOT NULL,
    timed_plays integer NOT NULL,
    coverage    bytea NOT NULL             -- 21 int4, little-endian
);
CREATE INDEX rollup_open_media_visitor ON rollup_open_media (day, site_id, visitor);
