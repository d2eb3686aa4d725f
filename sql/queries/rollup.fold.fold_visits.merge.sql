-- $1 pageview type, $2 interaction types, $3 the visit gap. Items: the
-- touched visitors' old visits and the new events, each with its start
-- (lo, lo_seq), end, counts, the attributes of its first event and its
-- first and last pageview (entry and exit).
WITH items AS (
    SELECT day, site_id, visitor, first_ts AS lo, first_seq AS lo_seq, last_ts AS hi,
           pageviews, interactions, eng, events, referrer, query, country, region, city,
           browser, os, device, screen_w, screen_h, lang, player_version,
           entry_ts, entry_seq, entry_page, exit_ts, exit_seq, exit_page,
           n_pageleave, n_click, n_hover, n_eleon, n_eleoff,
           n_error, n_custom, n_videoload, n_play, n_pause,
           n_seek, n_rewind, n_ended, n_videounload
    FROM rollup_old_visits
    UNION ALL
    SELECT day, site_id, visitor, ts, seq, ts, (type = $1)::int,
           (type = ANY($2::smallint[]))::int, coalesce(eng, 0), 1, referrer, query, country,
           region, city, browser, os, device, screen_w, screen_h, lang, player_version,
           CASE WHEN type = $1 THEN ts END, CASE WHEN type = $1 THEN seq END,
           CASE WHEN type = $1 THEN path END,
           CASE WHEN type = $1 THEN ts END, CASE WHEN type = $1 THEN seq END,
           CASE WHEN type = $1 THEN path END,
           (type = 2)::int,
           (type = 3)::int,
           (type = 4)::int,
           (type = 5)::int,
           (type = 6)::int,
           (type = 7)::int,
           (type = 8)::int,
           (type = 20)::int,
           (type = 21)::int,
           (type = 22)::int,
           (type = 23)::int,
           (type = 24)::int,
           (type = 25)::int,
           (type = 26)::int
    FROM rollup_input
), marked AS (
    -- Whether an item starts a visit does not depend on the order of items
    -- with the same start (the later ones continue the visit of the first),
    -- so the items are in (lo, lo_seq) order: a visit's first item, whose
    -- attributes the visit keeps, is the one that starts it.
    SELECT *, CASE WHEN lo - max(hi) OVER (
                       PARTITION BY day, site_id, visitor ORDER BY lo, lo_seq, hi
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) < $3
              THEN 0 ELSE 1 END AS starts
    FROM items
), numbered AS (
    SELECT *, sum(starts) OVER (PARTITION BY day, site_id, visitor
                                ORDER BY lo, lo_seq, hi, starts DESC
                                ROWS UNBOUNDED PRECEDING) AS visit
    FROM marked
), made AS (
    -- One pass: the first item's attributes (of its one row that starts it),
    -- the earliest pageview's page (the entry) and the latest one's (the
    -- exit) by ordered aggregates, which need no join between these steps'
    -- results.
    INSERT INTO rollup_open_visits (
        day, site_id, visitor, first_ts, last_ts, pageviews, interactions, eng,
        first_seq, events, referrer, query, country, region, city, browser, os, device,
        screen_w, screen_h, lang, player_version, entry_ts, entry_seq, entry_page,
        exit_ts, exit_seq, exit_page, n_pageleave, n_click, n_hover, n_eleon,
        n_eleoff, n_error, n_custom, n_videoload, n_play, n_pause,
        n_seek, n_rewind, n_ended, n_videounload)
    SELECT day, site_id, visitor, min(lo), max(hi), sum(pageviews), sum(interactions),
           sum(eng), max(lo_seq) FILTER (WHERE starts = 1), sum(events),
           max(referrer) FILTER (WHERE starts = 1),
           max(query) FILTER (WHERE starts = 1),
           max(country) FILTER (WHERE starts = 1),
           max(region) FILTER (WHERE starts = 1),
           max(city) FILTER (WHERE starts = 1),
           max(browser) FILTER (WHERE starts = 1),
           max(os) FILTER (WHERE starts = 1),
           max(device) FILTER (WHERE starts = 1),
           max(screen_w) FILTER (WHERE starts = 1),
           max(screen_h) FILTER (WHERE starts = 1),
           max(lang) FILTER (WHERE starts = 1),
           max(player_version) FILTER (WHERE starts = 1),
           min(entry_ts),
           (array_agg(entry_seq ORDER BY entry_ts, entry_seq) FILTER (WHERE entry_ts IS NOT NULL))[1],
           (array_agg(entry_page ORDER BY entry_ts, entry_seq) FILTER (WHERE entry_ts IS NOT NULL))[1],
           max(exit_ts),
           (array_agg(exit_seq ORDER BY exit_ts DESC, exit_seq DESC) FILTER (WHERE exit_ts IS NOT NULL))[1],
           (array_agg(exit_page ORDER BY exit_ts DESC, exit_seq DESC) FILTER (WHERE exit_ts IS NOT NULL))[1],
           sum(n_pageleave),
           sum(n_click),
           sum(n_hover),
           sum(n_eleon),
           sum(n_eleoff),
           sum(n_error),
           sum(n_custom),
           sum(n_videoload),
           sum(n_play),
           sum(n_pause),
           sum(n_seek),
           sum(n_rewind),
           sum(n_ended),
           sum(n_videounload)
    FROM numbered GROUP BY day, site_id, visitor, visit
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
