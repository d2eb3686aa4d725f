-- $1 site: its kept rows of page goals with a wildcard.
SELECT a, day, events, visitors FROM rollup_day_reports
WHERE site_id = $1 AND report = 'goal_pages' ORDER BY a, day
