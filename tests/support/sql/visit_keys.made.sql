-- $1 site, $2 day, $3 dimension: the breakdown the rollup made.
SELECT key, visitors, visits, bounces, visit_us, pageviews, events
FROM rollup_day_visit_keys WHERE site_id = $1 AND day = $2 AND dim = $3 ORDER BY key
