-- $1-$10 the selection, $11 src, $12 el (NULL: any), $13 the duration.
-- Interactions with the media per point of its timeline (0..20): clicks,
-- hovers, pauses and errors at their pos; a seek or rewind where it left
-- (its `to`) and where it went (its pos).
SELECT i.kind, least(20, greatest(0, floor(20 * i.at / $13 + 0.5)))::integer AS point,
       count(*) AS n
FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) e
CROSS JOIN LATERAL (VALUES
    (CASE e.type WHEN 3 THEN 'clicks' WHEN 4 THEN 'hovers' WHEN 22 THEN 'pauses'
                 WHEN 7 THEN 'errors' ELSE 'seeks_to' END, e.pos),
    (CASE WHEN e.type IN (23, 24) THEN 'seeks_from' END, e.to_pos)
) AS i (kind, at)
WHERE e.src = $11 AND ($12::text IS NULL OR e.el = $12) AND e.type IN (3, 4, 7, 22, 23, 24)
  AND i.kind IS NOT NULL AND i.at IS NOT NULL
GROUP BY 1, 2
