-- $1 site, $2 day, $3 dimension: the day's breakdown counted from its visits.
SELECT coalesce(CASE $3 WHEN 'entry_page' THEN entry_page WHEN 'country' THEN country
                        WHEN 'utm_source' THEN utm_source WHEN 'screen' THEN screen
                        WHEN 'referrer' THEN referrer END, '') AS key,
       count(DISTINCT visitor) AS visitors, count(*) AS visits,
       count(*) FILTER (WHERE bounce) AS bounces, sum(visit_us) AS visit_us,
       sum(pageviews) AS pageviews, sum(events) AS events
FROM all_visits WHERE site_id = $1 AND day = $2 GROUP BY 1 ORDER BY 1
