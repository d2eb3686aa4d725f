-- $1 MADE_AFTER, $2 OPEN_PACE, $3 OPEN_STALEST, $4 at most: the days with
-- events not made yet, because they are not over (plus $1) in their site's
-- zone, whose rows made while open are missing, or that took rows since and
-- whose rows are older than $2 times what making them again would take (the
-- last make's duration, grown with the day's rows) or than $3; the longest
-- waiting first, with their site's time zone and the rows folded into the
-- day now. The '~' row (mark_open) holds events = rows folded then,
-- seconds = the make's duration, shown = when (epoch milliseconds, rounded
-- down).
SELECT d.site_id, s.timezone, d.day, d.events
FROM rollup_days d
JOIN sites s ON s.id = d.site_id
LEFT JOIN rollup_day_reports m
       ON m.site_id = d.site_id AND m.report = '~' AND m.a = '' AND m.day = d.day
WHERE d.events > 0
  AND d.day >= (now() AT TIME ZONE 'UTC')::date - 2
  AND (d.day + 1)::timestamp AT TIME ZONE s.timezone > now() - $1::interval
  AND NOT EXISTS (SELECT FROM rollup_day_reports r
                  WHERE r.site_id = d.site_id AND r.report = '*' AND r.day = d.day)
  AND (m.site_id IS NULL
       OR (m.events <> d.events
           AND to_timestamp(m.shown / 1000.0)
               <= now() - least($3::interval,
                                make_interval(secs => $2 * m.seconds * d.events / m.events))))
ORDER BY m.shown NULLS FIRST, d.site_id, d.day LIMIT $4
