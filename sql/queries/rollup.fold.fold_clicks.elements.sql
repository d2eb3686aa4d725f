INSERT INTO rollup_day_click_elements AS c (site_id, day, path, el, clicks)
SELECT site_id, day, coalesce(path, ''), el, count(*)
FROM rollup_input
WHERE type = $1 AND el IS NOT NULL
GROUP BY 1, 2, 3, 4
ON CONFLICT (site_id, day, path, el) DO UPDATE
SET clicks = c.clicks + excluded.clicks
