UPDATE api_tokens
SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1
RETURNING id
