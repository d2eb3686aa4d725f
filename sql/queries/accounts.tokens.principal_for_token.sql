SELECT u.id, u.email, u.role, t.id AS token_id,
       array(SELECT g.site_id FROM site_grants g WHERE g.user_id = u.id) AS granted,
       t.last_used_at IS NULL OR t.last_used_at < now() - $2::interval AS stale
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.token_hash = $1
  AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now())
