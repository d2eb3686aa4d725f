-- $1 site, $2 first day, $3 last day, $4 the page's path, $5 limit.
SELECT el, sum(clicks)::bigint AS n FROM rollup_day_click_elements
WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND path = $4
GROUP BY el ORDER BY n DESC, el LIMIT $5
