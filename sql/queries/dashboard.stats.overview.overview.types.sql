SELECT type, sum(events)::bigint AS n FROM rollup_day_types
WHERE site_id = $1 AND day BETWEEN $2 AND $3 GROUP BY type ORDER BY type
