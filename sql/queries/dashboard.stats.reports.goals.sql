-- $1-$10 the selection. Every goal of the site with the selected events that
-- reach it.
WITH e AS MATERIALIZED (
    SELECT type, name, path, day, visitor
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE type IN (1, 8)
), g AS (
    SELECT name, kind, match, peil_like_pattern(match) AS pattern FROM goals WHERE site_id = $1
), reached AS (
    SELECT g.name, e.day, e.visitor, count(*) AS events
    FROM g JOIN e ON e.type = 8 AND e.name = g.match
    WHERE g.kind = 'event' GROUP BY 1, 2, 3
    UNION ALL
    SELECT g.name, e.day, e.visitor, count(*)
    FROM g JOIN e ON e.type = 1 AND e.path LIKE g.pattern
    WHERE g.kind = 'page' GROUP BY 1, 2, 3
)
SELECT g.name, g.kind, coalesce(sum(r.events), 0)::bigint AS events, count(r.visitor) AS visitors
FROM g LEFT JOIN reached r ON r.name = g.name
GROUP BY g.name, g.kind ORDER BY g.name
