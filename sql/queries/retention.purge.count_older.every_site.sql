SELECT site_id, count(*) AS n FROM :"partition"
WHERE ts < $1
GROUP BY site_id
