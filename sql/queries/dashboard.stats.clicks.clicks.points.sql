-- $4 NULL: every page of the site together.
SELECT x, y, sum(clicks)::bigint AS n FROM rollup_day_clicks
WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR path = $4)
GROUP BY x, y ORDER BY n DESC, y, x LIMIT $5
