-- Past one machine (issue 18): several collector nodes on one PostgreSQL,
-- every acknowledged event stored once whichever node took it.
--
-- Each day partition of `events` gets a unique index on the client event id
-- (per site), so a client that retries an unanswered request on another node
-- is stored once: the second COPY of an id fails on the index, and the writer
-- then writes only the rows whose ids are new (collector/durable/
-- exactly_once.py). collector/db/partitions.py creates the index with each new
-- partition and drops it again once the partition is ID_INDEX_DAYS old; this
-- adds it to the partitions that exist already, from yesterday on.
--
-- `COLLATE "C"`: ids are compared byte for byte, the cheapest comparison.
-- Partial: rows without a client id need no entry.
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN
        SELECT c.oid::regclass
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass
          AND c.relname ~ '^events_\d{8}$'
          AND c.relname >= 'events_' || to_char(now() AT TIME ZONE 'UTC' - interval '1 day', 'YYYYMMDD')
    LOOP
        BEGIN
            EXECUTE format(
                'CREATE UNIQUE INDEX IF NOT EXISTS %I ON %s (site_id, client_id COLLATE "C")'
                ' WHERE client_id IS NOT NULL',
                part::text || '_client_id', part);
        EXCEPTION WHEN unique_violation THEN
            -- Stored twice before this upgrade (per-process dedup only): that
            -- day keeps no index, so only the per-process dedup guards it
            -- (a day already past: it takes few new events).
            RAISE WARNING '%: some client ids are stored twice already; no unique index', part;
        END;
    END LOOP;
END
$$;
