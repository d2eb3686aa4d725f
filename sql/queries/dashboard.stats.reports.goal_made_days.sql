-- $1 site, $2 first day, $3 last day, $4 wildcard patterns: the days with
-- the rows of every one of them (collector/rollup/day_reports.py).
SELECT day FROM rollup_day_reports
WHERE site_id = $1 AND report = 'goal_pages' AND day BETWEEN $2 AND $3 AND a = ANY ($4::text[])
GROUP BY day HAVING count(DISTINCT a) = cardinality($4::text[]) ORDER BY day
