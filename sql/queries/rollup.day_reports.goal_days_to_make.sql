-- $1 sites, $2 page patterns (pairwise): the made days lacking the row of
-- one of them (the days made before its goal was added), newest first, at
-- most $3, with their site's time zone and the patterns to make.
SELECT r.site_id, s.timezone, r.day, array_agg(DISTINCT g.match ORDER BY g.match) AS patterns
FROM unnest($1::integer[], $2::text[]) AS g (site_id, match)
JOIN rollup_day_reports r ON r.site_id = g.site_id AND r.report = '*'
JOIN sites s ON s.id = r.site_id
WHERE NOT EXISTS (SELECT FROM rollup_day_reports x
                  WHERE x.site_id = r.site_id AND x.report = 'goal_pages' AND x.day = r.day
                    AND x.a = g.match)
GROUP BY r.site_id, s.timezone, r.day
ORDER BY r.day DESC, r.site_id LIMIT $3
