-- $1 site, $2 a day: its report rows, made or made while open, before they
-- are made again.
DELETE FROM rollup_day_reports WHERE site_id = $1 AND day = $2
