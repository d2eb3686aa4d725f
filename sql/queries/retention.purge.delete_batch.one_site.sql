-- $1 cutoff, $2 batch rows, $3 site, $4 where the previous batch ended: one
-- site's rows in ts order along the (site_id, ts) index.
WITH gone AS (
    DELETE FROM :"partition"
    WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM :"partition"
        WHERE site_id = $3 AND ts >= $4 AND ts < $1
        ORDER BY ts LIMIT $2
    ))
    RETURNING site_id, ts
)
SELECT site_id, count(*) AS n, max(ts) AS last FROM gone GROUP BY site_id
