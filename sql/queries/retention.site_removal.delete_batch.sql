-- $1 site, $2 batch rows: one short transaction per batch.
DELETE FROM :"partition"
WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM :"partition"
    WHERE site_id = $1
    LIMIT $2
))
