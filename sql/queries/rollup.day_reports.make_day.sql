-- $1 site, $2 a day over, $3 the site's time zone. The day's rows of every
-- report, unfiltered, and the '*' row that marks the day as made. One call
-- per report, its name a constant: each is planned with its own branch of
-- peil_day_reports only.
INSERT INTO rollup_day_reports (site_id, report, day, a, b, c, events, visitors, hovers,
                                clicks, seconds, shown)
SELECT $1, 'props', r.* FROM peil_day_reports('props', $1, $2, $2, $3,
                                              '{}', '{}', '{}', '{}', '{}', '{}') r
UNION ALL
SELECT $1, 'errors', r.* FROM peil_day_reports('errors', $1, $2, $2, $3,
                                               '{}', '{}', '{}', '{}', '{}', '{}') r
UNION ALL
SELECT $1, 'error_pages', r.* FROM peil_day_reports('error_pages', $1, $2, $2, $3,
                                                    '{}', '{}', '{}', '{}', '{}', '{}') r
UNION ALL
SELECT $1, 'elements', r.* FROM peil_day_reports('elements', $1, $2, $2, $3,
                                                 '{}', '{}', '{}', '{}', '{}', '{}') r
UNION ALL
SELECT $1, 'timeline', r.* FROM peil_day_reports('timeline', $1, $2, $2, $3,
                                                 '{}', '{}', '{}', '{}', '{}', '{}') r
UNION ALL
SELECT $1, 'media_duration', r.* FROM peil_day_reports('media_duration', $1, $2, $2, $3,
                                                       '{}', '{}', '{}', '{}', '{}', '{}') r
UNION ALL
-- Every page's clicks per element (migration 0013), from the per-page rollup.
SELECT $1, 'click_elements', $2, el, '', '', 0, 0, 0, sum(clicks), 0, 0
FROM rollup_day_click_elements WHERE site_id = $1 AND day = $2 GROUP BY el
UNION ALL
SELECT $1, '*', $2, '', '', '', 0, 0, 0, 0, 0, 0
