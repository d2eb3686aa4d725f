-- Page goals with a wildcard whose rows are not yet made for the days made
-- before them (migration 0012).
SELECT site_id, name, match FROM goals
WHERE NOT days_made AND kind = 'page' AND strpos(match, '*') > 0
ORDER BY site_id, name
