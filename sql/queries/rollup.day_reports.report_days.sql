-- $1 site, $2 first day, $3 last day: the days whose event report rows are
-- kept, made ('*') or made while open ('~'; collector/rollup/day_reports.py).
-- The unfiltered reports read the others from their events.
SELECT day FROM rollup_day_reports
WHERE site_id = $1 AND report IN ('*', '~') AND a = '' AND day BETWEEN $2 AND $3
ORDER BY day
