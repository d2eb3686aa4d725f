-- $1 cutoff, $2 batch rows: visits (:"table" is visits or rollup_open_visits)
-- of every site whose last event is older than the cutoff. A visit's day is
-- its site-local day, never more than one day after the UTC day of its events.
WITH gone AS (
    DELETE FROM :"table"
    WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM :"table"
        WHERE day <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1 AND last_ts < $1
        LIMIT $2
    ))
    RETURNING site_id
)
SELECT site_id, count(*) AS n FROM gone GROUP BY site_id
