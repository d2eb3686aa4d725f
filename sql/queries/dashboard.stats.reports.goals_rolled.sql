-- $1 site, $2 first day, $3 last day, $4 kinds, $5 matches (pairwise) of
-- goals without a wildcard, unfiltered: an event goal is its `event` key of
-- the daily rollup, a page goal its `page` key.
SELECT g.kind, g.match, coalesce(sum(k.pageviews), 0)::bigint AS events,
       coalesce(sum(k.visitors), 0)::bigint AS visitors
FROM unnest($4::text[], $5::text[]) AS g (kind, match)
LEFT JOIN rollup_day_keys k
  ON k.site_id = $1 AND k.dim = CASE g.kind WHEN 'event' THEN 'event' ELSE 'page' END
 AND k.key = g.match AND k.day BETWEEN $2 AND $3
GROUP BY g.kind, g.match
