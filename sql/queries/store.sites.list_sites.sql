SELECT id, key, name, domains, retention_days, timezone, consent, contact
FROM sites
ORDER BY name, key
