DELETE FROM rollup_open_seen WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM rollup_open_seen WHERE day < $1 LIMIT $2))
