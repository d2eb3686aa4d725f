SELECT array(
    SELECT key FROM sites
    WHERE $1::int[] IS NULL OR id = ANY($1)
    ORDER BY key
)
