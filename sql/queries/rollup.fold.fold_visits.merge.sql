WITH items AS (
    SELECT day, site_id, visitor, first_ts AS lo, last_ts AS hi,
           pageviews, interactions, eng
    FROM rollup_old_visits
    UNION ALL
    SELECT day, site_id, visitor, ts, ts, (type = $1)::int,
           (type = ANY($2::smallint[]))::int, coalesce(eng, 0)
    FROM rollup_input
), marked AS (
    SELECT *, CASE WHEN lo - max(hi) OVER (
                       PARTITION BY day, site_id, visitor ORDER BY lo, hi
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) < $3
              THEN 0 ELSE 1 END AS starts
    FROM items
), numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY day, site_id, visitor
                                ORDER BY lo, hi, starts DESC
                                ROWS UNBOUNDED PRECEDING) AS visit
    FROM marked
), made AS (
    INSERT INTO rollup_open_visits (day, site_id, visitor, first_ts, last_ts,
                                    pageviews, interactions, eng)
    SELECT day, site_id, visitor, min(lo), max(hi), sum(pageviews), sum(interactions),
           sum(eng)
    FROM numbered GROUP BY day, site_id, visitor, visit
    RETURNING *
), delta AS (
    SELECT day, site_id, 1 AS visits,
           (pageviews = 1 AND interactions = 0)::int AS bounces,
           greatest((extract(epoch FROM last_ts - first_ts) * 1000000)::bigint, eng * 1000) AS us
    FROM made
    UNION ALL
    SELECT day, site_id, -1,
           -(pageviews = 1 AND interactions = 0)::int,
           -greatest((extract(epoch FROM last_ts - first_ts) * 1000000)::bigint, eng * 1000)
    FROM rollup_old_visits
), per_day AS (
    SELECT day, site_id, sum(visits) AS visits, sum(bounces) AS bounces,
           sum(us)::bigint AS us
    FROM delta GROUP BY day, site_id
)
UPDATE rollup_days d
SET visits = d.visits + p.visits, bounces = d.bounces + p.bounces,
    visit_us = d.visit_us + p.us,
    visit_seconds = (d.visit_us + p.us)::numeric / 1000000
FROM per_day p WHERE d.site_id = p.site_id AND d.day = p.day
