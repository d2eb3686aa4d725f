-- $1-$10 the selection, $11 src, $12 el (NULL: any).
SELECT max(dur) FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
WHERE src = $11 AND ($12::text IS NULL OR el = $12) AND dur > 0
