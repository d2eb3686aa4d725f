-- $1 site, $2 a day over: its heatmap cells of every page together
-- (migration 0013), from the per-page rollup.
INSERT INTO rollup_day_site_clicks (site_id, day, x, y, clicks)
SELECT site_id, day, x, y, sum(clicks) FROM rollup_day_clicks
WHERE site_id = $1 AND day = $2
GROUP BY site_id, day, x, y
