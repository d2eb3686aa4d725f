-- What delete_visits.one_site would delete ($1 cutoff, $2 site, $3 since).
SELECT site_id, count(*) AS n FROM :"table"
WHERE site_id = $2
  AND day <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1
  AND last_ts < $1 AND last_ts >= coalesce($3::timestamptz, '-infinity')
GROUP BY site_id
