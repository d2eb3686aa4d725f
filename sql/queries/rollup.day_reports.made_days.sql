-- $1 site, $2 first day, $3 last day: the days made once over, with every
-- page's clicks (collector/rollup/day_reports.py; the heatmap of every page
-- reads the others from the per-page rollup).
SELECT day FROM rollup_day_reports
WHERE site_id = $1 AND report = '*' AND day BETWEEN $2 AND $3 ORDER BY day
