-- $1-$10 the selection, $11 page path (NULL: all), $12 limit. Heatmap
-- cells as the rollup makes them (rollup.fold.fold_clicks.cells).
SELECT least(greatest(floor(x * 100), 0), 100)::smallint AS x,
       (floor(y / 10.0) * 10)::integer AS y, count(*) AS n
FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
WHERE type = 3 AND x IS NOT NULL AND y IS NOT NULL
  AND ($11::text IS NULL OR coalesce(path, '') = $11)
GROUP BY 1, 2 ORDER BY n DESC, y, x LIMIT $12
