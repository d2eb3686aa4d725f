-- Days with events that ended in their site's zone at least $1 ago and
-- whose report rows are not made yet, oldest first, at most $2, with their
-- site's time zone.
SELECT d.site_id, s.timezone, d.day FROM rollup_days d JOIN sites s ON s.id = d.site_id
WHERE d.visits > 0 AND (d.day + 1)::timestamp AT TIME ZONE s.timezone <= now() - $1::interval
  AND NOT EXISTS (SELECT FROM rollup_day_reports r
                  WHERE r.site_id = d.site_id AND r.report = '*' AND r.day = d.day)
ORDER BY d.day, d.site_id LIMIT $2
