-- $1 site, $2..$3 the span of the days not made, $4 the made days, $5 limit.
-- Every page together: the made days' site-wide cells (migration 0013) and
-- the per-page cells of the others.
SELECT x, y, sum(clicks)::bigint AS n FROM (
    SELECT x, y, clicks FROM rollup_day_site_clicks WHERE site_id = $1 AND day = ANY ($4::date[])
    UNION ALL
    SELECT x, y, clicks FROM rollup_day_clicks
    WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND day <> ALL ($4::date[])
) c
GROUP BY x, y ORDER BY n DESC, y, x LIMIT $5
