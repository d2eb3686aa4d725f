SELECT sum(visitors) FROM rollup_days WHERE site_id = $1 AND day BETWEEN $2 AND $3
