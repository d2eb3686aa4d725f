INSERT INTO sites (key, name, domains, retention_days, timezone)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, key, name, domains, retention_days, timezone, consent, contact
