-- $1 request whose forget was cut off, $2 rows the check deleted for it.
UPDATE forget_requests
SET completed_at = now(), rechecked = rechecked + $2
WHERE id = $1
