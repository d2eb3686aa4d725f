-- $1-$10 the selection (of the days not made), $11 the made days, $12 src,
-- $13 el (NULL: any), $14 the duration. Interactions with the media per
-- point of its timeline (0..20), from the positions of peil_report_rows.
SELECT c AS kind, least(20, greatest(0, floor(20 * seconds / $14 + 0.5)))::integer AS point,
       sum(events)::bigint AS n
FROM peil_report_rows('timeline', $11, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
WHERE a = $12 AND ($13::text IS NULL OR b = $13)
GROUP BY 1, 2
