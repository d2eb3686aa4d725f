UPDATE api_tokens t SET last_used_at = now() FROM users u
WHERE t.token_hash = $1 AND u.id = t.user_id
RETURNING u.id, u.email
