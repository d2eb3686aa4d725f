DELETE FROM rollup_open_media WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM rollup_open_media WHERE day < $1 LIMIT $2))
