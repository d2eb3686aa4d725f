WITH added AS (
    INSERT INTO site_grants (user_id, site_id)
    VALUES ($1, $2)
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) > 0 FROM added
