-- $1-$10 the selection, $11 the visit dimension, $12 limit, $13 the pageview
-- type, $14 only these keys ('' = unknown; NULL: every key). The selected
-- visits grouped by the dimension, with their selected pageviews and events.
WITH e AS MATERIALIZED (
    SELECT ts, day, visitor, type FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
), fv AS (
    SELECT *, coalesce(peil_visit_value($11, entry_page, exit_page, referrer, utm_source,
                                        utm_medium, utm_campaign, utm_content, utm_term,
                                        country, region, city, browser, os, device, screen,
                                        language, player_version), '') AS key
    FROM peil_filtered_visits($1, $2, $3, $5, $6, $7)
), keyed AS (
    SELECT * FROM fv WHERE $14::text[] IS NULL OR key = ANY($14::text[])
), v AS (
    SELECT key, day, visitor, bounce, visit_us, pageviews AS selected_pageviews,
           events AS selected_events
    FROM keyed WHERE cardinality($8::text[]) = 0
    UNION ALL
    SELECT k.key, k.day, k.visitor, k.bounce, k.visit_us,
           count(*) FILTER (WHERE e.type = $13), count(*)
    FROM keyed k JOIN e ON e.visitor = k.visitor AND e.day = k.day
                       AND e.ts BETWEEN k.first_ts AND k.last_ts
    WHERE cardinality($8::text[]) > 0
    GROUP BY k.key, k.day, k.visitor, k.first_ts, k.bounce, k.visit_us
)
SELECT key, count(*) AS visitors, sum(pageviews)::bigint AS pageviews,
       sum(events)::bigint AS events, sum(visits)::bigint AS visits,
       sum(bounces)::bigint AS bounces, sum(visit_us)::bigint AS visit_us
FROM (
    -- Per (key, day, visitor) first: visitors as distinct pairs, by hashing.
    SELECT key, day, visitor, sum(selected_pageviews) AS pageviews,
           sum(selected_events) AS events, count(*) AS visits,
           count(*) FILTER (WHERE bounce) AS bounces, sum(visit_us) AS visit_us
    FROM v GROUP BY key, day, visitor
) per_visitor
GROUP BY key
ORDER BY visitors DESC, pageviews DESC, events DESC, key LIMIT $12
