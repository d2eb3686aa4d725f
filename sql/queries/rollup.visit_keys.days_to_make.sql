-- Days with visits that ended in their site's zone at least $1 ago and
-- whose breakdown is not made yet, oldest first, at most $2.
SELECT d.site_id, d.day FROM rollup_days d JOIN sites s ON s.id = d.site_id
WHERE d.visits > 0 AND (d.day + 1)::timestamp AT TIME ZONE s.timezone <= now() - $1::interval
  AND NOT EXISTS (SELECT FROM rollup_day_visit_keys k
                  WHERE k.site_id = d.site_id AND k.dim = '*' AND k.day = d.day)
ORDER BY d.day, d.site_id LIMIT $2
