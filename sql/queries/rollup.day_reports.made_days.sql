-- $1 site, $2 first day, $3 last day: the days whose report rows are made
-- (collector/rollup/day_reports.py; the unfiltered reports read the others
-- from their events).
SELECT day FROM rollup_day_reports
WHERE site_id = $1 AND report = '*' AND day BETWEEN $2 AND $3 ORDER BY day
