-- $1-$10 the selection of the days not made, $11 the made days, $12 the
-- wildcard patterns, $13 as many 'page's. Unfiltered page goals with a
-- wildcard: the kept rows of the made days and peil_goal_rows of the others.
SELECT 'page' AS kind, match, sum(events)::bigint AS events, sum(visitors)::bigint AS visitors
FROM (
    SELECT a AS match, events, visitors FROM rollup_day_reports
    WHERE site_id = $1 AND report = 'goal_pages' AND day = ANY ($11::date[])
      AND a = ANY ($12::text[])
    UNION ALL
    SELECT match, events, visitors
    FROM peil_goal_rows($13, $12, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE day <> ALL ($11::date[])
) r
GROUP BY match
