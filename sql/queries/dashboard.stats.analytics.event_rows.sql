-- $1-$10 the selection, $11 the event dimension, $12 limit, $13 the event
-- types it counts, $14 only these keys ('' = unknown; NULL: every key).
-- Visitors as distinct (day, visitor) pairs: grouped first, which can hash.
SELECT key, count(*) AS visitors, sum(pageviews)::bigint AS pageviews,
       sum(events)::bigint AS events
FROM (
    SELECT coalesce(peil_event_value($11, path, host, type, name, src), '') AS key, day,
           visitor, count(*) FILTER (WHERE type = 1) AS pageviews, count(*) AS events
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE type = ANY($13::smallint[])
    GROUP BY 1, 2, 3
) per_visitor
WHERE $14::text[] IS NULL OR key = ANY($14::text[])
GROUP BY key ORDER BY visitors DESC, pageviews DESC, events DESC, key LIMIT $12
