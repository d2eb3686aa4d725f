-- $1 pageview type, $2 interaction types, $3 the visit gap. Items: the
-- touched visitors' old visits and the new events, each with its start
-- (lo, lo_seq), end, counts, the attributes of its first event and its
-- first and last pageview (entry and exit).
WITH items AS (
    SELECT day, site_id, visitor, first_ts AS lo, first_seq AS lo_seq, last_ts AS hi,
           pageviews, interactions, eng, events, referrer, query, country, region, city,
           browser, os, device, screen_w, screen_h, lang, player_version,
           entry_ts, entry_seq, entry_page, exit_ts, exit_seq, exit_page
    FROM rollup_old_visits
    UNION ALL
    SELECT day, site_id, visitor, ts, seq, ts, (type = $1)::int,
           (type = ANY($2::smallint[]))::int, coalesce(eng, 0), 1, referrer, query, country,
           region, city, browser, os, device, screen_w, screen_h, lang, player_version,
           CASE WHEN type = $1 THEN ts END, CASE WHEN type = $1 THEN seq END,
           CASE WHEN type = $1 THEN path END,
           CASE WHEN type = $1 THEN ts END, CASE WHEN type = $1 THEN seq END,
           CASE WHEN type = $1 THEN path END
    FROM rollup_input
), marked AS (
    SELECT *, CASE WHEN lo - max(hi) OVER (
                       PARTITION BY day, site_id, visitor ORDER BY lo, hi
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) < $3
              THEN 0 ELSE 1 END AS starts
    FROM items
), numbered AS MATERIALIZED (
    SELECT *, sum(starts) OVER (PARTITION BY day, site_id, visitor
                                ORDER BY lo, hi, starts DESC
                                ROWS UNBOUNDED PRECEDING) AS visit
    FROM marked
), sums AS (
    SELECT day, site_id, visitor, visit, min(lo) AS first_ts, max(hi) AS last_ts,
           sum(pageviews) AS pageviews, sum(interactions) AS interactions, sum(eng) AS eng,
           sum(events) AS events
    FROM numbered GROUP BY day, site_id, visitor, visit
), heads AS (
    SELECT DISTINCT ON (day, site_id, visitor, visit)
           day, site_id, visitor, visit, lo_seq, referrer, query, country, region, city,
           browser, os, device, screen_w, screen_h, lang, player_version
    FROM numbered ORDER BY day, site_id, visitor, visit, lo, lo_seq
), entries AS (
    SELECT DISTINCT ON (day, site_id, visitor, visit)
           day, site_id, visitor, visit, entry_ts, entry_seq, entry_page
    FROM numbered WHERE entry_ts IS NOT NULL
    ORDER BY day, site_id, visitor, visit, entry_ts, entry_seq
), exits AS (
    SELECT DISTINCT ON (day, site_id, visitor, visit)
           day, site_id, visitor, visit, exit_ts, exit_seq, exit_page
    FROM numbered WHERE exit_ts IS NOT NULL
    ORDER BY day, site_id, visitor, visit, exit_ts DESC, exit_seq DESC
), made AS (
    INSERT INTO rollup_open_visits (
        day, site_id, visitor, first_ts, last_ts, pageviews, interactions, eng,
        first_seq, events, referrer, query, country, region, city, browser, os, device,
        screen_w, screen_h, lang, player_version, entry_ts, entry_seq, entry_page,
        exit_ts, exit_seq, exit_page)
    SELECT s.day, s.site_id, s.visitor, s.first_ts, s.last_ts, s.pageviews,
           s.interactions, s.eng, h.lo_seq, s.events, h.referrer, h.query, h.country,
           h.region, h.city, h.browser, h.os, h.device, h.screen_w, h.screen_h, h.lang,
           h.player_version, n.entry_ts, n.entry_seq, n.entry_page,
           x.exit_ts, x.exit_seq, x.exit_page
    FROM sums s
    JOIN heads h USING (day, site_id, visitor, visit)
    LEFT JOIN entries n USING (day, site_id, visitor, visit)
    LEFT JOIN exits x USING (day, site_id, visitor, visit)
    RETURNING day, site_id, first_ts, last_ts, pageviews, interactions, eng
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
