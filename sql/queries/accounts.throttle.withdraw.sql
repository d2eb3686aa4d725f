DELETE FROM login_failures
WHERE ctid = (
    SELECT ctid FROM login_failures
    WHERE account = $1 AND address = $2
    ORDER BY at DESC
    LIMIT 1
)
