-- $1 site, $2 first day, $3 last day. Unfiltered goals without a wildcard: an
-- event goal is its `event` key of the daily rollup, a page goal its `page` key.
SELECT g.name, g.kind, coalesce(sum(k.pageviews), 0)::bigint AS events,
       coalesce(sum(k.visitors), 0)::bigint AS visitors
FROM goals g
LEFT JOIN rollup_day_keys k
  ON k.site_id = g.site_id AND k.dim = CASE g.kind WHEN 'event' THEN 'event' ELSE 'page' END
 AND k.key = g.match AND k.day BETWEEN $2 AND $3
WHERE g.site_id = $1
GROUP BY g.name, g.kind ORDER BY g.name
