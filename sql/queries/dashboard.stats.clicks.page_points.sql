-- $1 site, $2 first day, $3 last day, $4 the page's path, $5 limit.
SELECT x, y, sum(clicks)::bigint AS n FROM rollup_day_clicks
WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND path = $4
GROUP BY x, y ORDER BY n DESC, y, x LIMIT $5
