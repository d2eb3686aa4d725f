WITH m AS (
    SELECT * FROM rollup_day_media WHERE site_id = $1 AND day BETWEEN $2 AND $3
), curve AS (
    SELECT el, src, array_agg(n ORDER BY i) AS coverage FROM (
        SELECT el, src, c.i, sum(c.n)::bigint AS n
        FROM m CROSS JOIN LATERAL unnest(m.coverage) WITH ORDINALITY AS c (n, i)
        GROUP BY el, src, c.i) points
    GROUP BY el, src
)
SELECT m.el, m.src, sum(loads)::bigint AS loads, sum(plays)::bigint AS plays,
       sum(viewers)::bigint AS viewers, sum(watch_seconds) AS watch_seconds,
       sum(completions)::bigint AS completions, sum(seeks)::bigint AS seeks,
       sum(rewinds)::bigint AS rewinds, sum(errors)::bigint AS errors,
       sum(timed_plays)::bigint AS timed_plays, curve.coverage
FROM m JOIN curve ON curve.el = m.el AND curve.src = m.src
GROUP BY m.el, m.src, curve.coverage
ORDER BY plays DESC, loads DESC, m.el, m.src LIMIT $4
