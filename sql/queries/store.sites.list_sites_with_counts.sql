SELECT s.id, s.key, s.name, s.domains, s.retention_days, s.timezone,
       s.consent, s.contact,
       coalesce(e.n, 0) AS n
FROM sites s
LEFT JOIN (SELECT site_id, count(*) AS n FROM events GROUP BY site_id) e
       ON e.site_id = s.id
ORDER BY s.id
