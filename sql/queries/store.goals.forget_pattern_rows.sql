-- $1 site, $2 a page pattern: its daily rows (collector/rollup/day_reports.py),
-- once no goal of the site has it any more.
DELETE FROM rollup_day_reports
WHERE site_id = $1 AND report = 'goal_pages' AND a = $2
  AND NOT EXISTS (SELECT FROM goals WHERE site_id = $1 AND kind = 'page' AND match = $2)
