-- $1-$10 the selection (of the days not made), $11 the made days, $12 limit.
-- Errors per kind and message, each with its three pages with most of them
-- (peil_report_rows, migration 0010).
WITH top AS (
    SELECT a AS kind, b AS message, sum(events)::bigint AS events,
           sum(visitors)::bigint AS visitors
    FROM peil_report_rows('errors', $11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    GROUP BY a, b
    ORDER BY events DESC, visitors DESC, kind, message LIMIT $12
), pages AS MATERIALIZED (  -- once, not once per error of `top`
    SELECT p.a AS kind, p.b AS message, p.c AS path,
           row_number() OVER (PARTITION BY p.a, p.b ORDER BY sum(p.events) DESC, p.c) AS rank
    FROM peil_report_rows('error_pages', $11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) p
    JOIN top t ON t.kind = p.a AND t.message = p.b
    GROUP BY p.a, p.b, p.c
)
SELECT t.kind, t.message, t.events, t.visitors,
       array(SELECT p.path FROM pages p WHERE p.kind = t.kind AND p.message = t.message
                                          AND p.rank <= 3 ORDER BY p.rank) AS pages
FROM top t ORDER BY t.events DESC, t.visitors DESC, t.kind, t.message
