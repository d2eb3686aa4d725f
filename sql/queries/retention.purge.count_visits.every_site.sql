-- What delete_visits.every_site would delete ($1 cutoff), per site.
SELECT site_id, count(*) AS n FROM :"table"
WHERE day <= ($1::timestamptz AT TIME ZONE 'UTC')::date + 1 AND last_ts < $1
GROUP BY site_id
