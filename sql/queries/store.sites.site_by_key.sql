SELECT id, key, name, domains, retention_days, timezone, consent, contact
FROM sites
WHERE key = $1
