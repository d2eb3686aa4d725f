-- Some ids of this transaction's rows are stored already (by another node,
-- an earlier replay, or twice in this batch): claim the new ones, keep one
-- row per claimed id and delete the others. Returns the rows deleted.
WITH mine AS (
    SELECT e.tableoid, e.ctid, e.site_id, e.client_id
    FROM events e
    WHERE e.rollup_xact = pg_current_xact_id() AND e.client_id IS NOT NULL
),
claimed AS (
    INSERT INTO recent_client_ids (slot, site_id, client_id)
    SELECT $1, m.site_id, m.client_id
    FROM mine m
    WHERE (SELECT true
           FROM recent_client_ids r
           WHERE r.slot = $2 AND r.site_id = m.site_id AND r.client_id = m.client_id
           LIMIT 1) IS NULL
    -- Waits for a transaction holding the same id, then skips it if that
    -- one committed.
    ON CONFLICT DO NOTHING
    RETURNING site_id, client_id
),
kept AS (
    SELECT DISTINCT ON (m.site_id, m.client_id) m.tableoid, m.ctid
    FROM mine m
    JOIN claimed c ON c.site_id = m.site_id AND c.client_id = m.client_id
    ORDER BY m.site_id, m.client_id, m.tableoid, m.ctid
),
dropped AS (
    DELETE FROM events e
    WHERE e.rollup_xact = pg_current_xact_id()
      AND e.client_id IS NOT NULL
      AND (e.tableoid, e.ctid) NOT IN (SELECT tableoid, ctid FROM kept)
    RETURNING 1
)
SELECT count(*) FROM dropped
