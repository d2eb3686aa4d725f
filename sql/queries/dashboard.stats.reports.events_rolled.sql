-- $1 site, $2 first day, $3 last day, $4 limit. Unfiltered: the `event` keys
-- of the daily rollup (their pageviews column counts the events).
SELECT key AS name, sum(pageviews)::bigint AS events, sum(visitors)::bigint AS visitors
FROM rollup_day_keys
WHERE site_id = $1 AND dim = 'event' AND day BETWEEN $2 AND $3
GROUP BY key ORDER BY visitors DESC, events DESC, name LIMIT $4
