-- $1 the pageview type, $2 the custom event type, $3 the player event types.
WITH pairs AS MATERIALIZED (
    SELECT site_id, day,
           (CASE
                WHEN GROUPING(coalesce(path, '')) = 0 THEN 1
                WHEN GROUPING(coalesce(referrer, '')) = 0 THEN 2
                WHEN GROUPING(coalesce(country, '')) = 0 THEN 3
                WHEN GROUPING(coalesce(region, '')) = 0 THEN 4
                WHEN GROUPING(coalesce(city, '')) = 0 THEN 5
                WHEN GROUPING(coalesce(browser, '')) = 0 THEN 6
                WHEN GROUPING(coalesce(os, '')) = 0 THEN 7
                WHEN GROUPING(CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile' WHEN 3 THEN 'tablet' ELSE '' END) = 0 THEN 8
                WHEN GROUPING(CASE WHEN screen_w IS NULL OR screen_h IS NULL THEN '' ELSE screen_w || 'x' || screen_h END) = 0 THEN 9
                WHEN GROUPING(coalesce(lang, '')) = 0 THEN 10
                WHEN GROUPING(coalesce(host, '')) = 0 THEN 11
            END)::smallint AS code,
           CASE
               WHEN GROUPING(coalesce(path, '')) = 0 THEN 'page'
               WHEN GROUPING(coalesce(referrer, '')) = 0 THEN 'referrer'
               WHEN GROUPING(coalesce(country, '')) = 0 THEN 'country'
               WHEN GROUPING(coalesce(region, '')) = 0 THEN 'region'
               WHEN GROUPING(coalesce(city, '')) = 0 THEN 'city'
               WHEN GROUPING(coalesce(browser, '')) = 0 THEN 'browser'
               WHEN GROUPING(coalesce(os, '')) = 0 THEN 'os'
               WHEN GROUPING(CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile' WHEN 3 THEN 'tablet' ELSE '' END) = 0 THEN 'device'
               WHEN GROUPING(CASE WHEN screen_w IS NULL OR screen_h IS NULL THEN '' ELSE screen_w || 'x' || screen_h END) = 0 THEN 'screen'
               WHEN GROUPING(coalesce(lang, '')) = 0 THEN 'language'
               WHEN GROUPING(coalesce(host, '')) = 0 THEN 'host'
           END AS dim,
           coalesce(
               coalesce(path, ''),
               coalesce(referrer, ''),
               coalesce(country, ''),
               coalesce(region, ''),
               coalesce(city, ''),
               coalesce(browser, ''),
               coalesce(os, ''),
               CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile' WHEN 3 THEN 'tablet' ELSE '' END,
               CASE WHEN screen_w IS NULL OR screen_h IS NULL THEN '' ELSE screen_w || 'x' || screen_h END,
               coalesce(lang, ''),
               coalesce(host, '')
           ) AS key,
           visitor, count(*) AS pageviews
    FROM rollup_input
    WHERE type = $1
    GROUP BY site_id, day, visitor, GROUPING SETS (
        (coalesce(path, '')),
        (coalesce(referrer, '')),
        (coalesce(country, '')),
        (coalesce(region, '')),
        (coalesce(city, '')),
        (coalesce(browser, '')),
        (coalesce(os, '')),
        (CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile' WHEN 3 THEN 'tablet' ELSE '' END),
        (CASE WHEN screen_w IS NULL OR screen_h IS NULL THEN '' ELSE screen_w || 'x' || screen_h END),
        (coalesce(lang, '')),
        (coalesce(host, ''))
    )
    UNION ALL
    -- The event dimensions of other events: `event` (a custom event's name)
    -- and `media` (a player event's src); their rows' pageviews count those
    -- events.
    SELECT site_id, day, (CASE WHEN type = $2 THEN 12 ELSE 13 END)::smallint,
           CASE WHEN type = $2 THEN 'event' ELSE 'media' END,
           coalesce(CASE WHEN type = $2 THEN name ELSE src END, ''), visitor, count(*)
    FROM rollup_input
    WHERE type = $2 OR type = ANY($3::smallint[])
    GROUP BY 1, 2, 3, 4, 5, 6
), counted AS (
    SELECT site_id, day, code, dim, key, hashtextextended(key, 0) AS key_hash,
           sum(pageviews)::bigint AS pageviews
    FROM pairs GROUP BY site_id, day, code, dim, key
), known AS (
    -- The pairs seen before of the visitors in the input: one index range
    -- per visitor (the key starts with day, site and visitor), then a hash
    -- anti-join, instead of an index probe per pair.
    SELECT s.day, s.site_id, s.dim, s.key_hash, s.visitor
    FROM (SELECT DISTINCT day, site_id, visitor FROM rollup_input) t
    JOIN rollup_open_seen s ON s.day = t.day AND s.site_id = t.site_id AND s.visitor = t.visitor
), seen AS (
    INSERT INTO rollup_open_seen (day, site_id, dim, key_hash, visitor)
    SELECT p.day, p.site_id, p.code, hashtextextended(p.key, 0), p.visitor FROM pairs p
    WHERE NOT EXISTS (SELECT FROM known k
                      WHERE k.day = p.day AND k.site_id = p.site_id AND k.visitor = p.visitor
                        AND k.dim = p.code AND k.key_hash = hashtextextended(p.key, 0))
    ON CONFLICT DO NOTHING RETURNING day, site_id, dim, key_hash
), fresh AS (
    SELECT day, site_id, dim, key_hash, count(*) AS visitors
    FROM seen GROUP BY day, site_id, dim, key_hash
)
INSERT INTO rollup_day_keys AS k (site_id, dim, day, key, visitors, pageviews)
SELECT c.site_id, c.dim, c.day, c.key, coalesce(f.visitors, 0), c.pageviews
FROM counted c
LEFT JOIN fresh f ON f.site_id = c.site_id AND f.day = c.day AND f.dim = c.code
                 AND f.key_hash = c.key_hash
ON CONFLICT (site_id, dim, day, key) DO UPDATE
SET visitors = k.visitors + excluded.visitors, pageviews = k.pageviews + excluded.pageviews
