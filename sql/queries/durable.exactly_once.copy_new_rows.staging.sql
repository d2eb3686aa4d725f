-- The careful path's batch, once per connection: the columns of `events` and
-- their defaults (rollup_xact is this transaction's id, as in a direct COPY).
-- The probe below is one index lookup per row whatever the planner thinks of
-- a day partition's size; SET LOCAL ends with this transaction.
CREATE TEMP TABLE IF NOT EXISTS peil_staging (LIKE events INCLUDING DEFAULTS)
ON COMMIT DELETE ROWS;
TRUNCATE peil_staging;
SET LOCAL enable_seqscan = off
