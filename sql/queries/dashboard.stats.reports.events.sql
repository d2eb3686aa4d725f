-- $1-$10 the selection, $11 limit. Custom events per name.
SELECT name, sum(events)::bigint AS events, count(*) AS visitors FROM (
    SELECT name, day, visitor, count(*) AS events
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE type = 8 GROUP BY 1, 2, 3) per_visitor
GROUP BY name ORDER BY visitors DESC, events DESC, name LIMIT $11
