-- $1 events, $2 days, $3 the number of the first (events are numbered from
-- 1 over the whole fill). Visitor-days of 10 events. A compact fact table of dictionary ids, the narrowest
-- row store a filtered report could read: per event its day, second of the
-- day, visitor hash, visit number, type, and an id per dimension (page of
-- 2,000 Zipf-like, referrer of 300, country of 60, region, city, browser,
-- os, device, screen, language, host, campaign of 30, event name of 20,
-- media of 5). 56 bytes of data and a 24-byte tuple header per row.
INSERT INTO fact_events
SELECT ((g / 10) % $2)::smallint,
       (random() * 86399)::int,
       hashint8(g / 10)::bigint,
       (g % 3)::smallint,
       CASE WHEN random() < 0.35 THEN 1 ELSE (2 + random() * 10)::int END::smallint,
       least(1999, floor(exp(random() * ln(2000))))::int,
       least(299, floor(exp(random() * ln(300))))::smallint,
       least(59, floor(exp(random() * ln(60))))::smallint,
       (random() * 360)::smallint,
       (random() * 1500)::smallint,
       (random() * 8)::smallint, (random() * 6)::smallint, (random() * 3)::smallint,
       (random() * 40)::smallint, (random() * 30)::smallint, (random() * 4)::smallint,
       CASE WHEN random() < 0.12 THEN least(29, floor(exp(random() * ln(30)))) ELSE -1 END
           ::smallint,
       (random() * 20)::smallint, (random() * 5)::smallint
FROM generate_series($3 + 1, $3 + $1) g
