-- Up to $3 rows of the visitor ($1 the value of :"column", $2 one site or
-- NULL) in one day partition; picked by ctid (unique within a partition), so
-- the DELETE is a TID scan of exactly those rows.
WITH gone AS (
    DELETE FROM :"partition"
    WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM :"partition"
        WHERE :"column" = $1 AND ($2::integer IS NULL OR site_id = $2)
        LIMIT $3
    ))
    RETURNING 1
)
SELECT count(*) FROM gone
