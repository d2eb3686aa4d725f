-- $1 site, $2 a number of clicks: added to the kept site-wide clicks of
-- `a#home` (a test that every page together reads them).
UPDATE rollup_day_reports SET clicks = clicks + $2
WHERE site_id = $1 AND report = 'click_elements' AND a = 'a#home'
