-- $1 the custom event type, $2 the player event types. As fold_keys, for
-- the event dimensions of other events than pageviews: `event` (a custom
-- event's name, dim code 12) and `media` (a player event's src, 13); their
-- rows' `pageviews` column counts those events.
WITH pairs AS MATERIALIZED (
    SELECT site_id, day,
           (CASE WHEN type = $1 THEN 12 ELSE 13 END)::smallint AS code,
           CASE WHEN type = $1 THEN 'event' ELSE 'media' END AS dim,
           coalesce(CASE WHEN type = $1 THEN name ELSE src END, '') AS key,
           visitor, count(*) AS events
    FROM rollup_input
    WHERE type = $1 OR type = ANY($2::smallint[])
    GROUP BY 1, 2, 3, 4, 5, 6
), counted AS (
    SELECT site_id, day, code, dim, key, hashtextextended(key, 0) AS key_hash,
           sum(events)::bigint AS events
    FROM pairs GROUP BY site_id, day, code, dim, key
), seen AS (
    INSERT INTO rollup_open_seen (day, site_id, dim, key_hash, visitor)
    SELECT day, site_id, code, hashtextextended(key, 0), visitor FROM pairs
    ON CONFLICT DO NOTHING RETURNING day, site_id, dim, key_hash
), fresh AS (
    SELECT day, site_id, dim, key_hash, count(*) AS visitors
    FROM seen GROUP BY day, site_id, dim, key_hash
)
INSERT INTO rollup_day_keys AS k (site_id, dim, day, key, visitors, pageviews)
SELECT c.site_id, c.dim, c.day, c.key, coalesce(f.visitors, 0), c.events
FROM counted c
LEFT JOIN fresh f ON f.site_id = c.site_id AND f.day = c.day AND f.dim = c.code
                 AND f.key_hash = c.key_hash
ON CONFLICT (site_id, dim, day, key) DO UPDATE
SET visitors = k.visitors + excluded.visitors, pageviews = k.pageviews + excluded.pageviews
