INSERT INTO sites (key, name, domains, retention_days, timezone, consent, contact)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, key, name, domains, retention_days, timezone, consent, contact
