-- Closed days (before $1) with visits whose breakdown is not made yet, oldest
-- first, at most $2.
SELECT d.site_id, d.day FROM rollup_days d
WHERE d.day < $1 AND d.visits > 0
  AND NOT EXISTS (SELECT FROM rollup_day_visit_keys k
                  WHERE k.site_id = d.site_id AND k.dim = '*' AND k.day = d.day)
ORDER BY d.day, d.site_id LIMIT $2
