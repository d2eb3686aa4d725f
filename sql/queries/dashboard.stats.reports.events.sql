-- $1-$10 the selection, $11 limit. Custom events per name, with the
-- visitors of every selected event on each row.
WITH e AS MATERIALIZED (
    SELECT * FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
)
SELECT name, count(*) AS events, count(DISTINCT (day, visitor)) AS visitors,
       (SELECT count(*) FROM (SELECT DISTINCT day, visitor FROM e) d) AS all_visitors
FROM e WHERE type = 8
GROUP BY name ORDER BY visitors DESC, events DESC, name LIMIT $11
