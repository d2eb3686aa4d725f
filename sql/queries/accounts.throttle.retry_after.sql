-- The Nth most recent failure within the window (N = the limit) decides:
-- once it is older than the window, fewer than the limit remain.
SELECT extract(epoch FROM max(oldest) + $3::interval - now())
FROM (
    (SELECT at AS oldest FROM login_failures
     WHERE account = $1 AND at > now() - $3::interval
     ORDER BY at DESC OFFSET $4 LIMIT 1)
    UNION ALL
    (SELECT at FROM login_failures
     WHERE $2::text IS NOT NULL AND address = $2 AND at > now() - $3::interval
     ORDER BY at DESC OFFSET $5 LIMIT 1)
) limiting
