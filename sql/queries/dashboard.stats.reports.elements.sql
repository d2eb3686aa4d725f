-- $1-$10 the selection, $11 limit. Per element descriptor: views (eleOn),
-- their visitors, the mean time to the next eleOff of the same visitor,
-- element and page that day, hovers and clicks.
WITH e AS MATERIALIZED (
    SELECT day, visitor, el, coalesce(path, '') AS path, type, ts, seq
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE type IN (3, 4, 5, 6) AND el IS NOT NULL
), shown AS (
    SELECT el, extract(epoch FROM next_off - ts) AS seconds FROM (
        SELECT el, type, ts, min(ts) FILTER (WHERE type = 6) OVER (
            PARTITION BY day, visitor, el, path ORDER BY ts, seq
            ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_off
        FROM e WHERE type IN (5, 6)) w
    WHERE type = 5 AND next_off IS NOT NULL
)
SELECT c.el, c.views, c.visitors, s.seconds, c.hovers, c.clicks FROM (
    SELECT el, count(*) FILTER (WHERE type = 5) AS views,
           count(DISTINCT (day, visitor)) FILTER (WHERE type = 5) AS visitors,
           count(*) FILTER (WHERE type = 4) AS hovers, count(*) FILTER (WHERE type = 3) AS clicks
    FROM e GROUP BY el) c
LEFT JOIN (SELECT el, avg(seconds)::float8 AS seconds FROM shown GROUP BY el) s USING (el)
ORDER BY c.views DESC, c.clicks DESC, c.hovers DESC, c.el LIMIT $11
