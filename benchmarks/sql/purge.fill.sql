-- Realistic row width: a page view of a Chrome user in the Netherlands.
INSERT INTO events (ts, visitor, site_id, type, screen_w, screen_h, browser_version, device,
                    country, browser, os, lang, host, path, referrer, origin, client_id, ip)
SELECT $1::timestamptz + (g * ($2::float8 / $3)) * interval '1 second',
       (random() * 9e18)::bigint,
       CASE WHEN g % 2 = 0 THEN $4::int ELSE $5::int END,
       1 + g % 4, 1920, 1080, 131, 1, 'NL', 'Chrome', 'Windows', 'nl',
       'www.bench.example', '/page/' || (g % 500), 'www.google.com/', $6, 'c' || g,
       '192.0.2.0'::inet
FROM generate_series(0, $3 - 1) g
