INSERT INTO rollup_day_clicks AS c (site_id, day, path, x, y, clicks)
SELECT site_id, day, coalesce(path, ''),
       least(greatest(floor(x * 100), 0), 100)::smallint,
       (floor(y / 10.0) * 10)::integer, count(*)
FROM rollup_input
WHERE type = $1 AND x IS NOT NULL AND y IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (site_id, day, path, x, y) DO UPDATE
SET clicks = c.clicks + excluded.clicks
