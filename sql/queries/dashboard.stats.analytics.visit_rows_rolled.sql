-- $1 site, $2 the made days of the range, $3..$4 the span of the others,
-- $5 the visit dimension, $6 limit, $7 only these keys ('' = unknown; NULL:
-- every key). Unfiltered: the days whose breakdown is made
-- (rollup_day_visit_keys) summed, the others from their visits, each day
-- once.
WITH rolled AS (
    SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews,
           sum(events)::bigint AS events, sum(visits)::bigint AS visits,
           sum(bounces)::bigint AS bounces, sum(visit_us)::bigint AS visit_us
    FROM rollup_day_visit_keys
    WHERE site_id = $1 AND dim = $5 AND day = ANY ($2::date[])
      AND ($7::text[] IS NULL OR key = ANY ($7::text[]))
    GROUP BY key
), live AS (
    SELECT key, count(*) AS visitors, sum(pageviews)::bigint AS pageviews,
           sum(events)::bigint AS events, sum(visits)::bigint AS visits,
           sum(bounces)::bigint AS bounces, sum(visit_us)::bigint AS visit_us
    FROM (
        SELECT coalesce(peil_visit_value($5, entry_page, exit_page, referrer, utm_source,
                                         utm_medium, utm_campaign, utm_content, utm_term,
                                         country, region, city, browser, os, device, screen,
                                         language, player_version), '') AS key,
               day, visitor, sum(pageviews) AS pageviews, sum(events) AS events,
               count(*) AS visits, count(*) FILTER (WHERE bounce) AS bounces,
               sum(visit_us) AS visit_us
        FROM all_visits
        WHERE site_id = $1 AND day BETWEEN $3 AND $4 AND day <> ALL ($2::date[])
        GROUP BY 1, 2, 3
    ) per_visitor
    WHERE $7::text[] IS NULL OR key = ANY ($7::text[])
    GROUP BY key
)
SELECT key, sum(visitors)::bigint AS visitors, sum(pageviews)::bigint AS pageviews,
       sum(events)::bigint AS events, sum(visits)::bigint AS visits,
       sum(bounces)::bigint AS bounces, sum(visit_us)::bigint AS visit_us
FROM (SELECT * FROM rolled UNION ALL SELECT * FROM live) both_parts
GROUP BY key
ORDER BY visitors DESC, pageviews DESC, events DESC, key LIMIT $6
