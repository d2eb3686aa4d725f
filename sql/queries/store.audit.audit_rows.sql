-- $1 from this instant on (NULL: from the start), $2 one action (NULL: all).
-- Read along audit_log_at, or audit_log_action_at for one action.
SELECT id, at, actor, action, detail::text AS detail
FROM audit_log
WHERE ($1::timestamptz IS NULL OR at >= $1)
  AND ($2::text IS NULL OR action = $2)
ORDER BY at, id
