-- $1-$10 the selection (dashboard/stats/selection.py). Per event type the
-- selected events, with the totals of the selection on every row.
WITH e AS MATERIALIZED (
    SELECT * FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
), v AS (
    SELECT fv.bounce, fv.visit_us FROM peil_filtered_visits($1, $2, $3, $5, $6, $7) fv
    WHERE cardinality($8::text[]) = 0 OR EXISTS (
        SELECT FROM e WHERE e.visitor = fv.visitor AND e.day = fv.day
                        AND e.ts BETWEEN fv.first_ts AND fv.last_ts)
), totals AS (
    SELECT (SELECT count(*) FROM (SELECT DISTINCT day, visitor FROM e) d) AS visitors,
           count(*) AS visits, count(*) FILTER (WHERE bounce) AS bounces,
           coalesce(sum(visit_us), 0)::bigint AS visit_us
    FROM v
)
SELECT t.*, types.type, types.n
FROM totals t LEFT JOIN (SELECT type, count(*) AS n FROM e GROUP BY type) types ON true
