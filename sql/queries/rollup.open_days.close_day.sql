-- A rebuilt closed day: its visits move to `visits` before its state goes.
WITH gone AS (
    DELETE FROM rollup_open_visits WHERE day = $1 AND site_id = $2
    RETURNING *
)
INSERT INTO visits SELECT * FROM gone
