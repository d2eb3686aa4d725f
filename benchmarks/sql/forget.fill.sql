-- A page view of a Chrome user in the Netherlands; $7 the uid (NULL: cookieless).
INSERT INTO events (ts, visitor, site_id, type, screen_w, screen_h, browser_version, device,
                    country, browser, os, lang, host, path, referrer, origin, client_id, ip,
                    uid, sid)
SELECT $1::timestamptz + (g * ($2::float8 / $3)) * interval '1 second',
       (random() * 9e18)::bigint, $4, 1 + g % 4, 1920, 1080, 131, 1, 'NL', 'Chrome',
       'Windows', 'nl', 'www.bench.example', '/page/' || (g % 500), 'www.google.com/', $5,
       $6 || g, '192.0.2.0'::inet, $7::text,
       CASE WHEN $7::text IS NULL THEN NULL ELSE 's' || (g / 50) END
FROM generate_series(0, $3 - 1) g
