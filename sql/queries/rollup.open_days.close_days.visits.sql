DELETE FROM rollup_open_visits WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM rollup_open_visits WHERE day < $1 LIMIT $2))
