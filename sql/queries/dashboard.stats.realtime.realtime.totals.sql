-- $2 the visitors window, $3 the pageviews window, $4 the pageview type.
SELECT count(DISTINCT visitor) FILTER (WHERE ts >= now() - $2::interval) AS visitors,
       count(*) FILTER (WHERE type = $4) AS pageviews
FROM events WHERE site_id = $1 AND ts >= now() - $3::interval
