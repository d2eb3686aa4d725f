-- $1-$10 the selection, $11 step kinds (page|event), $12 step patterns or
-- names. The selected events matching a step, with the steps they match,
-- in order within their visit.
WITH steps AS (
    SELECT s.i::integer AS i, s.kind, s.match, peil_like_pattern(s.match) AS pattern
    FROM unnest($11::text[], $12::text[]) WITH ORDINALITY AS s (kind, match, i)
), matched AS (
    SELECT e.day, e.visitor, e.ts, e.seq, array_agg(s.i ORDER BY s.i) AS steps
    FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) e
    JOIN steps s ON (s.kind = 'event' AND e.type = 8 AND e.name = s.match)
                 OR (s.kind = 'page' AND e.type = 1 AND e.path LIKE s.pattern)
    WHERE e.type IN (1, 8)
    GROUP BY e.day, e.visitor, e.ts, e.seq, e.type, e.path, e.name
)
SELECT m.day, m.visitor, v.first_ts AS visit, m.steps
FROM matched m
JOIN peil_filtered_visits($1, $2, $3, $5, $6, $7) v
  ON v.visitor = m.visitor AND v.day = m.day AND m.ts BETWEEN v.first_ts AND v.last_ts
ORDER BY m.day, m.visitor, v.first_ts, m.ts, m.seq
