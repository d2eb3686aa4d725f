-- $1-$10 the selection (of the days not made), $11 the made days, $12 the
-- event name. Per property key and value (peil_report_rows, migration 0010).
SELECT b AS key, c AS value, sum(events)::bigint AS events, sum(visitors)::bigint AS visitors
FROM peil_report_rows('props', $11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
WHERE a = $12
GROUP BY b, c ORDER BY key, visitors DESC, events DESC, value
