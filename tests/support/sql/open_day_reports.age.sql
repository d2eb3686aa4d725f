-- $1 site, $2 how long its make took (s; NULL: as it was), $3 seconds
-- earlier than it was made: its '~' row changed.
UPDATE rollup_day_reports
SET seconds = coalesce($2, seconds), shown = shown - coalesce($3, 0) * 1000
WHERE site_id = $1 AND report = '~'
