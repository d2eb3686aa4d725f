-- $1 site, $2 first day, $3 last day, $4 the visit dimension, $5 limit,
-- $6 only these keys ('' = unknown; NULL: every key). Unfiltered: the days
-- whose breakdown is made (rollup_day_visit_keys) summed, the others from
-- their visits, each day once.
WITH made AS (
    SELECT day FROM rollup_day_visit_keys
    WHERE site_id = $1 AND dim = '*' AND day BETWEEN $2 AND $3
), rolled AS (
    SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews,
           sum(events)::bigint AS events, sum(visits)::bigint AS visits,
           sum(bounces)::bigint AS bounces, sum(visit_us)::bigint AS visit_us
    FROM rollup_day_visit_keys
    WHERE site_id = $1 AND dim = $4 AND day BETWEEN $2 AND $3
      AND ($6::text[] IS NULL OR key = ANY($6::text[]))
    GROUP BY key
), live AS (
    SELECT key, count(*) AS visitors, sum(pageviews)::bigint AS pageviews,
           sum(events)::bigint AS events, sum(visits)::bigint AS visits,
           sum(bounces)::bigint AS bounces, sum(visit_us)::bigint AS visit_us
    FROM (
        SELECT coalesce(peil_visit_value($4, entry_page, exit_page, referrer, utm_source,
                                         utm_medium, utm_campaign, utm_content, utm_term,
                                         country, region, city, browser, os, device, screen,
                                         language, player_version), '') AS key,
               day, visitor, sum(pageviews) AS pageviews, sum(events) AS events,
               count(*) AS visits, count(*) FILTER (WHERE bounce) AS bounces,
               sum(visit_us) AS visit_us
        FROM all_visits
        WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND day NOT IN (SELECT day FROM made)
        GROUP BY 1, 2, 3
    ) per_visitor
    WHERE $6::text[] IS NULL OR key = ANY($6::text[])
    GROUP BY key
)
SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews,
       sum(events)::bigint AS events, sum(visits)::bigint AS visits,
       sum(bounces)::bigint AS bounces, sum(visit_us)::bigint AS visit_us
FROM (SELECT * FROM rolled UNION ALL SELECT * FROM live) both_parts
GROUP BY key
ORDER BY visitors DESC, pageviews DESC, events DESC, key LIMIT $5
