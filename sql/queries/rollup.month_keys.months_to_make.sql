-- Months with rollup rows, over in their site's zone at least $1 ago, whose
-- keys are not made yet, oldest first, at most $2.
SELECT d.site_id, date_trunc('month', d.day)::date AS month
FROM rollup_days d JOIN sites s ON s.id = d.site_id
WHERE (date_trunc('month', d.day) + interval '1 month')::timestamp AT TIME ZONE s.timezone
      <= now() - $1::interval
  AND NOT EXISTS (SELECT FROM rollup_month_keys m
                  WHERE m.site_id = d.site_id AND m.dim = '*'
                    AND m.month = date_trunc('month', d.day)::date)
GROUP BY d.site_id, date_trunc('month', d.day)::date
ORDER BY month, d.site_id LIMIT $2
