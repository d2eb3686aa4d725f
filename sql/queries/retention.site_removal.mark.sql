UPDATE sites
SET removing_since = coalesce(removing_since, now())
WHERE key = $1
RETURNING id, removing_since
