SELECT key, name, timezone, domains
FROM sites
WHERE $1::int[] IS NULL OR id = ANY($1)
ORDER BY name
