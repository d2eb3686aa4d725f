-- $1-$10 the selection, $11 limit. Errors per kind and message, each with
-- its three pages with most of them.
WITH e AS MATERIALIZED (
    SELECT day, visitor, coalesce(path, '') AS path,
           CASE WHEN el IS NULL THEN 'js' ELSE 'media' END AS kind,
           CASE WHEN el IS NULL THEN coalesce(name, '')
                ELSE coalesce('code ' || (props ->> 'code'), 'media error') END AS message
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE type = 7
), top AS (
    SELECT kind, message, count(*) AS events, count(DISTINCT (day, visitor)) AS visitors
    FROM e GROUP BY kind, message
    ORDER BY events DESC, visitors DESC, kind, message LIMIT $11
), pages AS (
    SELECT kind, message, path,
           row_number() OVER (PARTITION BY kind, message ORDER BY count(*) DESC, path) AS rank
    FROM e JOIN top USING (kind, message) GROUP BY kind, message, path
)
SELECT t.kind, t.message, t.events, t.visitors,
       array(SELECT p.path FROM pages p WHERE p.kind = t.kind AND p.message = t.message
                                          AND p.rank <= 3 ORDER BY p.rank) AS pages
FROM top t ORDER BY t.events DESC, t.visitors DESC, t.kind, t.message
