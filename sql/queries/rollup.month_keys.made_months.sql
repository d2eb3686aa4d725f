-- $1 site, $2 first day, $3 last day: the first days of the months between
-- them whose keys are made.
SELECT month FROM rollup_month_keys
WHERE site_id = $1 AND dim = '*' AND month BETWEEN $2 AND $3 ORDER BY month
