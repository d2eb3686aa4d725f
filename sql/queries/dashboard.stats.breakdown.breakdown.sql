SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews
FROM rollup_day_keys
WHERE site_id = $1 AND dim = $2 AND day BETWEEN $3 AND $4
GROUP BY key ORDER BY visitors DESC, pageviews DESC, key LIMIT $5
