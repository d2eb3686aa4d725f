-- Up to $5 of those rows (see new_partitions) in one day partition, by ctid.
-- Per site, visitor hash and UTC day of the rows deleted: how many.
WITH gone AS (
    DELETE FROM :"partition"
    WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM :"partition"
        WHERE rollup_xact >= pg_snapshot_xmin($1::text::pg_snapshot)
          AND NOT pg_visible_in_snapshot(rollup_xact, $1::text::pg_snapshot)
          AND ts < $4
          AND sha256(convert_to(:"column", 'UTF8')) = $2
          AND ($3::integer IS NULL OR site_id = $3)
        LIMIT $5
    ))
    RETURNING site_id, visitor, ts
)
SELECT site_id, visitor, (ts AT TIME ZONE 'UTC')::date AS day, count(*) AS n
FROM gone
GROUP BY 1, 2, 3
