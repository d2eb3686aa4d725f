-- $1 site, $2 a day, $3 the site's time zone: the day's rows of every event
-- report, unfiltered (collector/rollup/day_reports.py). One call per report,
-- its name a constant: each is planned with its own branch of
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
