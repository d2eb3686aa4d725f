-- $1 site, $2..$3 the span of the days not made, $4 the made days, $5 limit.
-- Every page together: the made days' 'click_elements' rows (migration 0013)
-- and the per-page rows of the others.
SELECT el, sum(clicks)::bigint AS n FROM (
    SELECT a AS el, clicks FROM rollup_day_reports
    WHERE site_id = $1 AND report = 'click_elements' AND day = ANY ($4::date[])
    UNION ALL
    SELECT el, clicks FROM rollup_day_click_elements
    WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND day <> ALL ($4::date[])
) c
GROUP BY el ORDER BY n DESC, el LIMIT $5
