INSERT INTO site_grants (user_id, site_id)
VALUES ($1, $2)
ON CONFLICT DO NOTHING
