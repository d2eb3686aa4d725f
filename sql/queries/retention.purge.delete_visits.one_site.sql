-- $1 cutoff, $2 batch rows, $3 site, $4 NULL or the instance cutoff (older
-- visits are the every-site rule's): one site's visits whose last event is
-- older than its own cutoff, read along the (site_id, day) primary key.
WITH gone AS (
    DELETE FROM :"table"
    WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM :"table"
        WHERE site_id = $3
          AND day <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1
          AND last_ts < $1 AND last_ts >= coalesce($4::timestamptz, '-infinity')
        LIMIT $2
    ))
    RETURNING site_id
)
SELECT site_id, count(*) AS n FROM gone GROUP BY site_id
