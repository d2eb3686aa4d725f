-- $4 NULL: every page of the site together.
SELECT el, sum(clicks)::bigint AS n FROM rollup_day_click_elements
WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR path = $4)
GROUP BY el ORDER BY n DESC, el LIMIT $5
