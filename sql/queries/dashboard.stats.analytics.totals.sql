-- $1-$10 the selection (dashboard/stats/selection.py). Per event type the
-- selected events, with the totals of the selection on every row.
WITH e AS MATERIALIZED (
    SELECT ts, day, visitor, type FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
), fv AS (
    SELECT * FROM peil_filtered_visits($1, $2, $3, $5, $6, $7)
), v AS (
    -- The visits holding a selected event (all of them without event filters).
    SELECT bounce, visit_us FROM fv WHERE cardinality($8::text[]) = 0
    UNION ALL
    SELECT bounce, visit_us FROM fv JOIN (
        SELECT DISTINCT k.day, k.visitor, k.first_ts FROM fv k
        JOIN e ON e.visitor = k.visitor AND e.day = k.day AND e.ts BETWEEN k.first_ts AND k.last_ts
    ) hit USING (day, visitor, first_ts)
    WHERE cardinality($8::text[]) > 0
), totals AS (
    SELECT (SELECT count(*) FROM (SELECT day, visitor FROM e GROUP BY 1, 2) d) AS visitors,
           count(*) AS visits, count(*) FILTER (WHERE bounce) AS bounces,
           coalesce(sum(visit_us), 0)::bigint AS visit_us
    FROM v
)
SELECT t.*, types.type, types.n
FROM totals t LEFT JOIN (SELECT type, count(*) AS n FROM e GROUP BY type) types ON true
