-- $1-$10 the selection, $11 the event dimension, $12 limit, $13 the event
-- types it counts, $14 only these keys ('' = unknown; NULL: every key).
SELECT key, count(DISTINCT (day, visitor)) AS visitors,
       count(*) FILTER (WHERE type = 1) AS pageviews, count(*) AS events
FROM (
    SELECT coalesce(peil_event_value($11, path, host, type, name, src), '') AS key,
           day, visitor, type
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE type = ANY($13::smallint[])
) e
WHERE $14::text[] IS NULL OR key = ANY($14::text[])
GROUP BY key ORDER BY visitors DESC, pageviews DESC, events DESC, key LIMIT $12
