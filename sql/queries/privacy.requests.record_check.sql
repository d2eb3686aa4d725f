-- $1 request, $2 the snapshot taken before the check's deletes, $3 rows they
-- deleted, $4 close it: the hash goes with the closing. The total of rows the
-- checks deleted; no row when it was closed already.
UPDATE forget_requests
SET checked = $2::text::pg_snapshot,
    rechecked = rechecked + $3,
    closed_at = CASE WHEN $4 THEN now() END,
    subject_hash = CASE WHEN $4 THEN NULL ELSE subject_hash END
WHERE id = $1 AND closed_at IS NULL
RETURNING rechecked
