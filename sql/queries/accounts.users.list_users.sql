SELECT u.id, u.email, u.role, u.created_at,
       array(SELECT s.key FROM site_grants g JOIN sites s ON s.id = g.site_id
             WHERE g.user_id = u.id ORDER BY s.key) AS sites,
       (SELECT count(*) FROM api_tokens t
        WHERE t.user_id = u.id AND t.revoked_at IS NULL
          AND (t.expires_at IS NULL OR t.expires_at > now()))::int AS tokens
FROM users u
WHERE $1::text IS NULL OR lower(u.email) = lower($1)
ORDER BY lower(u.email)
