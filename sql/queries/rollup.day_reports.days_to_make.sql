-- Closed days (before $1) with events whose report rows are not made yet,
-- oldest first, at most $2, with their site's time zone.
SELECT d.site_id, s.timezone, d.day FROM rollup_days d JOIN sites s ON s.id = d.site_id
WHERE d.day < $1 AND d.visits > 0
  AND NOT EXISTS (SELECT FROM rollup_day_reports r
                  WHERE r.site_id = d.site_id AND r.report = '*' AND r.day = d.day)
ORDER BY d.day, d.site_id LIMIT $2
