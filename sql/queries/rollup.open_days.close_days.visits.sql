-- A closed day's visits move to `visits`, where the reports keep reading them.
WITH gone AS (
    DELETE FROM rollup_open_visits WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM rollup_open_visits WHERE day < $1 LIMIT $2))
    RETURNING *
)
INSERT INTO visits SELECT * FROM gone
ON CONFLICT DO NOTHING
