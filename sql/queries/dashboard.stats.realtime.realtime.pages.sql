SELECT path, count(*) AS pageviews, count(DISTINCT visitor) AS visitors
FROM events WHERE site_id = $1 AND ts >= now() - $2::interval AND type = $3
GROUP BY path ORDER BY pageviews DESC, path LIMIT $4
