SELECT t.id, u.email, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE $1::text IS NULL OR lower(u.email) = lower($1)
ORDER BY t.id
