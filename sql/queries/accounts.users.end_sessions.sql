WITH ended AS (
    DELETE FROM sessions
    WHERE user_id = $1
    RETURNING 1
)
SELECT count(*) FROM ended
