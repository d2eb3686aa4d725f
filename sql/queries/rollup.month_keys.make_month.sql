-- $1 site, $2 the first day of a month over: its keys, each the sum of its
-- days' rows, and the '*' row that marks the month as made.
INSERT INTO rollup_month_keys (site_id, dim, month, key, visitors, pageviews)
SELECT site_id, dim, $2, key, sum(visitors), sum(pageviews)
FROM rollup_day_keys
WHERE site_id = $1 AND day >= $2 AND day < ($2 + interval '1 month')::date
GROUP BY site_id, dim, key
UNION ALL
SELECT $1, '*', $2, '', 0, 0
