-- $1-$10 the selection, $11 the player event types, $12 the error type,
-- $13 only this src (NULL: every one), $14 only this el (NULL: any). The
-- selected player events and media errors, in the order the media summary
-- reads them.
SELECT day, visitor, el, coalesce(src, '') AS src, type, pos, from_pos, to_pos, dur
FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
WHERE el IS NOT NULL AND (type = ANY($11::smallint[]) OR type = $12)
  AND ($13::text IS NULL OR coalesce(src, '') = $13) AND ($14::text IS NULL OR el = $14)
ORDER BY day, visitor, el, src, ts, seq
