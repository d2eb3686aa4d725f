-- The ids of this transaction's rows into the current slot ($1), unless the
-- other slot ($2) holds them. True when every id was new; a plain INSERT, so
-- an id the current slot holds already raises unique_violation instead.
WITH mine AS (
    SELECT site_id, client_id
    FROM events
    WHERE rollup_xact = pg_current_xact_id() AND client_id IS NOT NULL
),
claimed AS (
    INSERT INTO recent_client_ids (slot, site_id, client_id)
    SELECT $1, m.site_id, m.client_id
    FROM mine m
    -- A subquery per row, not an anti-join: one index probe each, never a
    -- scan of the whole slot.
    WHERE (SELECT true
           FROM recent_client_ids r
           WHERE r.slot = $2 AND r.site_id = m.site_id AND r.client_id = m.client_id
           LIMIT 1) IS NULL
    RETURNING 1
)
SELECT (SELECT count(*) FROM claimed) = (SELECT count(*) FROM mine)
