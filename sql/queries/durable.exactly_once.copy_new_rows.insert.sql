-- The rows whose client id is new, one per id: the unique index of each day
-- partition decides (ON CONFLICT DO NOTHING waits for a transaction writing
-- the same id and skips the row if that one commits). A row within $1
-- seconds of a UTC midnight may have its twin on the other day, in the other
-- partition: that one is looked up. Returns the rows written.
WITH written AS (
    INSERT INTO events
    SELECT s.*
    FROM peil_staging s
    WHERE s.client_id IS NULL
       OR CASE
              WHEN abs(extract(epoch FROM s.ts - date_trunc('day', s.ts + interval '12 hours', 'UTC')))
                   >= $1
              THEN true
              -- A subquery per row, not an anti-join: one probe of the unique
              -- index of each partition in range.
              ELSE (SELECT true
                    FROM events e
                    WHERE e.site_id = s.site_id
                      AND e.client_id = s.client_id COLLATE "C"
                      AND e.ts > s.ts - make_interval(secs => $1)
                      AND e.ts < s.ts + make_interval(secs => $1)
                    LIMIT 1) IS NULL
          END
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM written
