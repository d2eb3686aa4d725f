-- $1 site, $2 a month, $3 a number of pageviews: added to its `/a` row (a
-- test that the breakdown reads the month rows).
UPDATE rollup_month_keys SET pageviews = pageviews + $3
WHERE site_id = $1 AND dim = 'page' AND month = $2 AND key = '/a'
