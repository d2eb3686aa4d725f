-- $1-$10 the selection (of the days not made), $11 the made days, $12 limit.
-- Per element descriptor: views (eleOn), their visitors, the mean time on
-- screen, hovers and clicks (peil_report_rows, migration 0010).
SELECT a AS el, sum(events)::bigint AS views, sum(visitors)::bigint AS visitors,
       sum(seconds) / nullif(sum(shown), 0) AS seconds,
       sum(hovers)::bigint AS hovers, sum(clicks)::bigint AS clicks
FROM peil_report_rows('elements', $11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
GROUP BY a
ORDER BY views DESC, clicks DESC, hovers DESC, el LIMIT $12
