-- Made days lacking the row of a page goal's wildcard pattern of their site
-- (a day just made, or a goal added after), newest first, at most $1, with
-- their site's time zone and the patterns to make.
SELECT r.site_id, s.timezone, r.day, array_agg(DISTINCT g.match ORDER BY g.match) AS patterns
FROM rollup_day_reports r
JOIN sites s ON s.id = r.site_id
JOIN goals g ON g.site_id = r.site_id AND g.kind = 'page' AND strpos(g.match, '*') > 0
WHERE r.report = '*'
  AND NOT EXISTS (SELECT FROM rollup_day_reports x
                  WHERE x.site_id = r.site_id AND x.report = 'goal_pages' AND x.day = r.day
                    AND x.a = g.match)
GROUP BY r.site_id, s.timezone, r.day
ORDER BY r.day DESC, r.site_id LIMIT $1
