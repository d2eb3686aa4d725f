-- $1-$10 the selection, $11 page path (NULL: all), $12 limit.
SELECT el, count(*) AS n
FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
WHERE type = 3 AND el IS NOT NULL AND ($11::text IS NULL OR coalesce(path, '') = $11)
GROUP BY el ORDER BY n DESC, el LIMIT $12
