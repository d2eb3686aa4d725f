SELECT s.id, s.timezone, r.lo, r.hi FROM sites s
CROSS JOIN LATERAL (SELECT min(ts) AS lo, max(ts) AS hi FROM events
                    WHERE site_id = s.id AND ts >= $1) r
WHERE r.lo IS NOT NULL AND ($2::integer IS NULL OR s.id = $2)
