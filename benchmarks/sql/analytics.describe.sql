-- The generated data's shape: how many distinct values each dimension got. $1 site id.
SELECT count(*) AS events, count(DISTINCT path) AS pages,
       count(DISTINCT referrer) AS referrers, count(DISTINCT country) AS countries,
       count(DISTINCT region) AS regions, count(DISTINCT city) AS cities,
       count(DISTINCT query) AS queries,
       count(DISTINCT name) FILTER (WHERE type = 8) AS custom_names,
       count(DISTINCT src) FILTER (WHERE type >= 20) AS videos,
       count(DISTINCT host) AS hosts, count(DISTINCT player_version) AS versions,
       count(DISTINCT (visitor, (ts AT TIME ZONE 'UTC')::date)) AS visitor_days
FROM events
WHERE site_id = $1
