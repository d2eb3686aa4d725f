-- $1-$10 the selection, $11 hour|day|week|month. Per bucket: `hour`, the
-- instant its site-local clock hour began, or `day`, its first day within
-- the range (the other one -infinity); pageviews, visitors (distinct per
-- day), visits starting in it.
WITH e AS MATERIALIZED (
    SELECT ts, day, visitor, type FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
), fv AS (
    SELECT * FROM peil_filtered_visits($1, $2, $3, $5, $6, $7)
), v AS (
    -- The visits holding a selected event (all of them without event filters).
    SELECT day, first_ts FROM fv WHERE cardinality($8::text[]) = 0
    UNION ALL
    SELECT day, first_ts FROM fv JOIN (
        SELECT DISTINCT k.day, k.visitor, k.first_ts FROM fv k
        JOIN e ON e.visitor = k.visitor AND e.day = k.day AND e.ts BETWEEN k.first_ts AND k.last_ts
    ) hit USING (day, visitor, first_ts)
    WHERE cardinality($8::text[]) > 0
), by_events AS (
    -- Per (bucket, day, visitor) first: visitors as distinct pairs, by hashing.
    SELECT hour, bucket_day, count(*) AS visitors, sum(pageviews)::bigint AS pageviews FROM (
        SELECT CASE WHEN $11 = 'hour' THEN peil_hour_bucket(ts, $4) ELSE '-infinity' END AS hour,
               CASE WHEN $11 <> 'hour' THEN peil_day_bucket($11, day, $2) ELSE '-infinity' END
                   AS bucket_day,
               day, visitor, count(*) FILTER (WHERE type = 1) AS pageviews
        FROM e GROUP BY 1, 2, 3, 4) per_visitor
    GROUP BY hour, bucket_day
), by_visits AS (
    SELECT CASE WHEN $11 = 'hour' THEN peil_hour_bucket(first_ts, $4) ELSE '-infinity' END
               AS hour,
           CASE WHEN $11 <> 'hour' THEN peil_day_bucket($11, day, $2) ELSE '-infinity' END
               AS bucket_day,
           count(*) AS visits
    FROM v GROUP BY 1, 2
)
SELECT hour, bucket_day AS day, coalesce(pageviews, 0) AS pageviews,
       coalesce(visitors, 0) AS visitors, coalesce(visits, 0) AS visits
FROM by_events FULL JOIN by_visits USING (hour, bucket_day)
