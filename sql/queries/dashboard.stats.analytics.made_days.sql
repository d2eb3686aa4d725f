-- $1 site, $2 first day, $3 last day: the days whose visit-dimension
-- breakdown is made (collector/rollup/visit_keys.py).
SELECT day FROM rollup_day_visit_keys
WHERE site_id = $1 AND dim = '*' AND day BETWEEN $2 AND $3 ORDER BY day
