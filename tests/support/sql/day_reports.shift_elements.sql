-- $1 site, $2 a number of views: added to the kept elements rows (a test
-- that the unfiltered report reads them).
UPDATE rollup_day_reports SET events = events + $2
WHERE site_id = $1 AND report = 'elements'
