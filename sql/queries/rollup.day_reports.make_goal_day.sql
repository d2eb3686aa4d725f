-- $1 site, $2 a made day, $3 the site's time zone, $4 page patterns, $5 as
-- many 'page's: their rows of the day (peil_goal_rows, migration 0012), one
-- for each pattern even when nothing matched.
INSERT INTO rollup_day_reports (site_id, report, day, a, b, c, events, visitors)
SELECT $1, 'goal_pages', $2, p.pattern, '', '', coalesce(r.events, 0), coalesce(r.visitors, 0)
FROM unnest($4::text[]) AS p (pattern)
LEFT JOIN peil_goal_rows($5, $4, $1, $2, $2, $3, '{}', '{}', '{}', '{}', '{}', '{}') r
       ON r.match = p.pattern
