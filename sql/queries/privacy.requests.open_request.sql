-- $1 uid or sid, $2 SHA-256 of its value, $3 one site or NULL; `checked`
-- defaults to the snapshot of this statement.
INSERT INTO forget_requests (kind, subject_hash, site_id)
VALUES ($1, $2, $3)
RETURNING id
