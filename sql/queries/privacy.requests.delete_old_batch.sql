-- Up to $4 of those rows (see old_partitions) in one day partition, by ctid.
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
    RETURNING 1
)
SELECT count(*) FROM gone
