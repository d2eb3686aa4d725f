INSERT INTO rollup_days AS d (site_id, day, timezone, events, pageviews, visitors,
                              visits, bounces, visit_seconds, visit_us)
SELECT i.site_id, i.day, s.timezone, count(*), count(*) FILTER (WHERE i.type = $1),
       0, 0, 0, 0, 0
FROM rollup_input i JOIN sites s ON s.id = i.site_id
GROUP BY i.site_id, i.day, s.timezone
ON CONFLICT (site_id, day) DO UPDATE
SET events = d.events + excluded.events, pageviews = d.pageviews + excluded.pageviews,
    folded_at = now()
