-- $1 site, $2 a day, $3 a number of events: added to the kept `/blog/*`
-- row of that day (a test that the unfiltered report reads it).
UPDATE rollup_day_reports SET events = events + $3
WHERE site_id = $1 AND report = 'goal_pages' AND a = '/blog/*' AND day = $2
