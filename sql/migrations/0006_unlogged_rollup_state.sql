-- The working state of the open days (0005) without WAL: UNLOGGED tables.
--
-- The state is derived from raw rows that are still there (it is deleted
-- two UTC days back, long before any purge), so it need not survive a crash:
-- PostgreSQL empties every unlogged table when it recovers from a crash (and
-- on a promoted standby or a restored base backup). rollup_open_days is
-- unlogged too, so a state lost that way is never read as a state of its
-- day: the day is simply no longer open, and the next row for it rebuilds it
-- from its raw rows (collector/jobs/rollup.py), exactly as for a closed day.
-- The aggregates and the run's snapshot (rollup_state) stay logged.
ALTER TABLE rollup_open_days SET UNLOGGED;
ALTER TABLE rollup_open_seen SET UNLOGGED;
ALTER TABLE rollup_open_visits SET UNLOGGED;
ALTER TABLE rollup_open_media SET UNLOGGED;

-- The player events of one visitor for one media, packed: the rollup reads
-- and rewrites them on every run that brings that visitor a player event,
-- and a packed string costs a fraction of seven arrays to decode and encode.
-- Dropping the old table loses its state: so every day is closed, and the
-- next row for today or yesterday rebuilds it from its raw rows.
DELETE FROM rollup_open_days;
DROP TABLE rollup_open_media;
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
