-- $1 site, $2 dimension, $5 limit, $6 only these keys ('' = unknown; NULL:
-- every key); the range as $3 its made months (their first days:
-- rollup_month_keys) and the spans of its other days, read from
-- rollup_day_keys: $4 their first days, $7 their last (pairwise).
SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews
FROM (
    SELECT key, visitors, pageviews FROM rollup_month_keys
    WHERE site_id = $1 AND dim = $2 AND month = ANY ($3::date[])
      AND ($6::text[] IS NULL OR key = ANY ($6::text[]))
    UNION ALL
    SELECT k.key, k.visitors, k.pageviews
    FROM unnest($4::date[], $7::date[]) AS s (first_day, last_day)
    JOIN rollup_day_keys k
      ON k.site_id = $1 AND k.dim = $2 AND k.day BETWEEN s.first_day AND s.last_day
    WHERE ($6::text[] IS NULL OR k.key = ANY ($6::text[]))
) r
GROUP BY key ORDER BY visitors DESC, pageviews DESC, key LIMIT $5
