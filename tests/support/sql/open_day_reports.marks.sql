-- $1 site: the days its report rows are made ('*') or made while open ('~').
SELECT report, day FROM rollup_day_reports
WHERE site_id = $1 AND report IN ('*', '~') ORDER BY report, day
