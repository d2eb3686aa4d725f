UPDATE sites
SET name = $2, domains = $3, retention_days = $4, timezone = $5, consent = $6, contact = $7
WHERE id = $1
RETURNING id, key, name, domains, retention_days, timezone, consent, contact
