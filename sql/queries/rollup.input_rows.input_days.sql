SELECT i.site_id, s.timezone, i.day, count(*) AS rows
FROM rollup_input i JOIN sites s ON s.id = i.site_id
GROUP BY i.site_id, s.timezone, i.day
ORDER BY 1, 3
