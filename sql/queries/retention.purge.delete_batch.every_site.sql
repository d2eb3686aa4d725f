-- $1 cutoff, $2 batch rows. Only the partition the cutoff falls inside: its
-- oldest hours sit at the start of the heap, where a plain scan finds them first.
WITH gone AS (
    DELETE FROM :"partition"
    WHERE ctid = ANY(ARRAY(SELECT ctid FROM :"partition" WHERE ts < $1 LIMIT $2))
    RETURNING site_id, ts
)
SELECT site_id, count(*) AS n, max(ts) AS last FROM gone GROUP BY site_id
