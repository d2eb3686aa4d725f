-- $1 site: its month rows of the page dimension.
SELECT month, key, visitors, pageviews FROM rollup_month_keys
WHERE site_id = $1 AND dim = 'page' ORDER BY month, key
