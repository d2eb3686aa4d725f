INSERT INTO goals (site_id, name, kind, match)
VALUES ($1, $2, $3, $4)
