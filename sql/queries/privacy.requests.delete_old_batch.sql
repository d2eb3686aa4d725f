-- Up to $4 of those rows (see old_partitions) in one day partition, by ctid.
-- Per site, visitor hash and UTC day of the rows deleted: how many.
WITH gone AS (
    DELETE FROM :"partition"
    WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM :"partition"
        WHERE :"column" IS NOT NULL
          AND sha256(convert_to(:"column", 'UTF8')) = $1
          AND ($2::integer IS NULL OR site_id = $2)
          AND ts < $3
        LIMIT $4
    ))
    RETURNING site_id, visitor, ts
)
SELECT site_id, visitor, (ts AT TIME ZONE 'UTC')::date AS day, count(*) AS n
FROM gone
GROUP BY 1, 2, 3
