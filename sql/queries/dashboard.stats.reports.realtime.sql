-- $1-$10 the selection (today and yesterday), $11 the start of the oldest
-- minute of the series, $12 five minutes ago, $13 thirty minutes ago. Rows:
-- per minute the pageviews and visitors; per page (30 minutes) the same;
-- one total row: visitors of the last 5 minutes, pageviews of the last 30.
WITH e AS MATERIALIZED (
    SELECT ts, visitor, type, path
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE ts >= least($11::timestamptz, $13::timestamptz)
)
SELECT 'minute' AS kind, date_trunc('minute', ts) AS minute, NULL AS path,
       count(*) FILTER (WHERE type = 1) AS pageviews, count(DISTINCT visitor) AS visitors
FROM e WHERE ts >= $11 GROUP BY 2
UNION ALL
SELECT 'page', NULL, coalesce(path, ''), count(*), count(DISTINCT visitor)
FROM e WHERE type = 1 AND ts >= $13 GROUP BY 3
UNION ALL
SELECT 'total', NULL, NULL, count(*) FILTER (WHERE type = 1 AND ts >= $13),
       count(DISTINCT visitor) FILTER (WHERE ts >= $12)
FROM e
