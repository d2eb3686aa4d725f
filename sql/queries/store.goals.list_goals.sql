SELECT name, kind, match
FROM goals
WHERE site_id = $1
ORDER BY name
