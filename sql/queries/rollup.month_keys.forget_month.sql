-- $1 site, $2 the first day of a month: its rows, before it is made.
DELETE FROM rollup_month_keys WHERE site_id = $1 AND month = $2
