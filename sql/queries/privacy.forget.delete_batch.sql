-- Up to $3 rows of the visitor ($1 the value of :"column", $2 one site or
-- NULL) in one day partition; picked by ctid (unique within a partition), so
-- the DELETE is a TID scan of exactly those rows. Per site, visitor hash and
-- UTC day of the rows deleted: how many (their visits go next, in the same
-- transaction: privacy.requests.delete_visits).
WITH gone AS (
    DELETE FROM :"partition"
    WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM :"partition"
        WHERE :"column" = $1 AND ($2::integer IS NULL OR site_id = $2)
        LIMIT $3
    ))
    RETURNING site_id, visitor, ts
)
SELECT site_id, visitor, (ts AT TIME ZONE 'UTC')::date AS day, count(*) AS n
FROM gone
GROUP BY 1, 2, 3
