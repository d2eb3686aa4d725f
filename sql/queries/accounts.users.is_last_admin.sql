SELECT u.role = 'admin'
       AND NOT EXISTS (SELECT 1 FROM users o WHERE o.role = 'admin' AND o.id <> u.id)
FROM users u
WHERE lower(u.email) = lower($1)
