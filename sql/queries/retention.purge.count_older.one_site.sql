SELECT site_id, count(*) AS n FROM :"partition"
WHERE site_id = $1 AND ts < $2
GROUP BY site_id
