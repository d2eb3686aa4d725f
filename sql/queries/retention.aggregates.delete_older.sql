WITH gone AS (
    DELETE FROM :"table"
    WHERE ctid = ANY(ARRAY(SELECT ctid FROM :"table" WHERE :"day_column" < $1 LIMIT $2))
    RETURNING 1
)
SELECT count(*) FROM gone
