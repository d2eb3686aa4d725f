-- $1-$10 the selection. Every goal of the site with the selected events that
-- reach it, and the visitors of every selected event on each row.
WITH e AS MATERIALIZED (
    SELECT * FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
), g AS (
    SELECT name, kind, match, peil_like_pattern(match) AS pattern FROM goals WHERE site_id = $1
), reached AS (
    SELECT g.name, e.day, e.visitor
    FROM g JOIN e ON g.kind = 'event' AND e.type = 8 AND e.name = g.match
    UNION ALL
    SELECT g.name, e.day, e.visitor
    FROM g JOIN e ON g.kind = 'page' AND e.type = 1 AND e.path LIKE g.pattern
)
SELECT g.name, g.kind, count(r.visitor) AS events,
       count(DISTINCT (r.day, r.visitor)) FILTER (WHERE r.visitor IS NOT NULL) AS visitors,
       (SELECT count(*) FROM (SELECT DISTINCT day, visitor FROM e) d) AS all_visitors
FROM g LEFT JOIN reached r ON r.name = g.name
GROUP BY g.name, g.kind ORDER BY g.name
