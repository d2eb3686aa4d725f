WITH removed AS (
    DELETE FROM site_grants
    WHERE user_id = $1 AND site_id = $2
    RETURNING 1
)
SELECT count(*) > 0 FROM removed
