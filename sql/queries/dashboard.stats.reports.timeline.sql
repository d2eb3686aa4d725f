-- $1-$10 the selection, $11 src, $12 el (NULL: any), $13 the duration.
-- Interactions with the media per point of its timeline (0..20).
SELECT kind, point, count(*) AS n FROM (
    SELECT CASE type WHEN 3 THEN 'clicks' WHEN 4 THEN 'hovers' WHEN 22 THEN 'pauses'
                     WHEN 7 THEN 'errors' END AS kind, pos AS at
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    WHERE src = $11 AND ($12::text IS NULL OR el = $12) AND type IN (3, 4, 7, 22)
    UNION ALL
    SELECT k.kind, k.at
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) e
    CROSS JOIN LATERAL (VALUES ('seeks_from', e.to_pos), ('seeks_to', e.pos)) k (kind, at)
    WHERE e.src = $11 AND ($12::text IS NULL OR e.el = $12) AND e.type IN (23, 24)
) i
CROSS JOIN LATERAL (SELECT least(20, greatest(0, floor(20 * i.at / $13 + 0.5)))::integer AS point) p
WHERE i.at IS NOT NULL
GROUP BY kind, point
