-- $6 only these keys ('' = unknown; NULL: every key).
SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews
FROM rollup_day_keys
WHERE site_id = $1 AND dim = $2 AND day BETWEEN $3 AND $4
  AND ($6::text[] IS NULL OR key = ANY($6::text[]))
GROUP BY key ORDER BY visitors DESC, pageviews DESC, key LIMIT $5
