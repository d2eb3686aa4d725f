SELECT u.id, u.email, u.role,
       array(SELECT g.site_id FROM site_grants g WHERE g.user_id = u.id) AS granted
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.token_hash = $1 AND s.expires_at > now()
