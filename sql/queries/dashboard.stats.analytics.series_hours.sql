-- $1-$10 the selection. Per site-local clock hour (the instant it began):
-- pageviews, visitors (distinct per day), visits starting in it.
WITH e AS MATERIALIZED (
    SELECT * FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
), v AS (
    SELECT fv.first_ts FROM peil_filtered_visits($1, $2, $3, $5, $6, $7) fv
    WHERE cardinality($8::text[]) = 0 OR EXISTS (
        SELECT FROM e WHERE e.visitor = fv.visitor AND e.day = fv.day
                        AND e.ts BETWEEN fv.first_ts AND fv.last_ts)
), by_events AS (
    SELECT peil_hour_bucket(ts, $4) AS bucket, count(*) FILTER (WHERE type = 1) AS pageviews,
           count(DISTINCT (day, visitor)) AS visitors
    FROM e GROUP BY 1
), by_visits AS (
    SELECT peil_hour_bucket(first_ts, $4) AS bucket, count(*) AS visits FROM v GROUP BY 1
)
SELECT bucket, coalesce(pageviews, 0) AS pageviews, coalesce(visitors, 0) AS visitors,
       coalesce(visits, 0) AS visits
FROM by_events FULL JOIN by_visits USING (bucket)
