WITH seen AS (
    INSERT INTO rollup_open_seen (day, site_id, dim, key_hash, visitor)
    SELECT DISTINCT day, site_id, $1::smallint, 0::bigint, visitor FROM rollup_input
    ON CONFLICT DO NOTHING RETURNING day, site_id
)
UPDATE rollup_days d SET visitors = d.visitors + n.n
FROM (SELECT day, site_id, count(*) AS n FROM seen GROUP BY 1, 2) n
WHERE d.site_id = n.site_id AND d.day = n.day
