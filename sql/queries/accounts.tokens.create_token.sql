INSERT INTO api_tokens (user_id, token_hash, name, expires_at)
VALUES ($1, $2, $3, now() + $4::interval)
RETURNING id
