-- $1 pageview type, $2 interaction types, $3 the visit gap.
--
-- Items, in one visit or another: the touched visitors' old visits, and
-- their new events gathered into spans. The new events of a visitor in one
-- slot of the clock ($3 long, from the epoch) are less than $3 apart, so
-- always in one visit, and one item covering them starts, splits and
-- bridges visits as they would one by one. A span knows its first event and
-- its first and last pageview by their (ts, seq), taken with min and max of
-- one bigint key (the microsecond in the slot, then the seq), so the spans
-- are made by hashing, without sorting the wide new rows.
--
-- Visits are then merged from the items in (lo, lo_seq) order: a new visit
-- where an item starts $3 or more after every earlier one has ended. The
-- attributes of a visit's first event and its entry and exit pages come
-- from an old visit's columns, or from the new rows by their (ts, seq).
WITH spans AS (
    SELECT day, site_id, visitor, min(ts) AS lo, max(ts) AS hi, min(k) AS first_k,
           min(ts) FILTER (WHERE type = $1) AS entry_ts,
           min(k) FILTER (WHERE type = $1) AS entry_k,
           max(ts) FILTER (WHERE type = $1) AS exit_ts,
           max(k) FILTER (WHERE type = $1) AS exit_k,
           count(*) FILTER (WHERE type = $1)::int AS pageviews,
           count(*) FILTER (WHERE type = ANY($2::smallint[]))::int AS interactions,
           coalesce(sum(eng), 0)::bigint AS eng, count(*)::int AS events,
           count(*) FILTER (WHERE type = 2)::int AS n_pageleave,
           count(*) FILTER (WHERE type = 3)::int AS n_click,
           count(*) FILTER (WHERE type = 4)::int AS n_hover,
           count(*) FILTER (WHERE type = 5)::int AS n_eleon,
           count(*) FILTER (WHERE type = 6)::int AS n_eleoff,
           count(*) FILTER (WHERE type = 7)::int AS n_error,
           count(*) FILTER (WHERE type = 8)::int AS n_custom,
           count(*) FILTER (WHERE type = 20)::int AS n_videoload,
           count(*) FILTER (WHERE type = 21)::int AS n_play,
           count(*) FILTER (WHERE type = 22)::int AS n_pause,
           count(*) FILTER (WHERE type = 23)::int AS n_seek,
           count(*) FILTER (WHERE type = 24)::int AS n_rewind,
           count(*) FILTER (WHERE type = 25)::int AS n_ended,
           count(*) FILTER (WHERE type = 26)::int AS n_videounload
    FROM (SELECT day, site_id, visitor, ts, type, eng, date_bin($3, ts, 'epoch') AS slot,
                 round(date_part('epoch', ts - date_bin($3, ts, 'epoch')) * 1000000)::bigint
                     * 65536 + seq + 32768 AS k
          FROM rollup_input) i
    GROUP BY day, site_id, visitor, slot
), items AS (
    SELECT day, site_id, visitor, first_ts AS lo, first_seq AS lo_seq, last_ts AS hi,
           pageviews, interactions, eng, events, entry_ts, entry_seq, exit_ts, exit_seq,
           n_pageleave, n_click, n_hover, n_eleon, n_eleoff, n_error, n_custom,
           n_videoload, n_play, n_pause, n_seek, n_rewind, n_ended, n_videounload,
           true AS old, referrer, query, country, region, city, browser, os, device,
           screen_w, screen_h, lang, player_version, entry_page, exit_page
    FROM rollup_old_visits
    UNION ALL
    SELECT day, site_id, visitor, lo, (first_k % 65536 - 32768)::smallint, hi,
           pageviews, interactions, eng, events,
           entry_ts, (entry_k % 65536 - 32768)::smallint,
           exit_ts, (exit_k % 65536 - 32768)::smallint,
           n_pageleave, n_click, n_hover, n_eleon, n_eleoff, n_error, n_custom,
           n_videoload, n_play, n_pause, n_seek, n_rewind, n_ended, n_videounload,
           false, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL
    FROM spans
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
), merged AS (
    -- One pass: sums; the first item's (of its one row that starts it)
    -- start and, if it is an old visit, attributes; the earliest pageview's
    -- item (the entry) and the latest one's (the exit), by ordered
    -- aggregates, with its page if it is an old visit (an old visit first
    -- among equal (ts, seq), so the three aggregates pick one item).
    SELECT day, site_id, visitor, min(lo) AS first_ts, max(hi) AS last_ts,
           sum(pageviews)::int AS pageviews, sum(interactions)::int AS interactions,
           sum(eng)::bigint AS eng, max(lo_seq) FILTER (WHERE starts = 1) AS first_seq,
           sum(events)::int AS events,
           bool_or(old) FILTER (WHERE starts = 1) AS first_old,
           max(referrer) FILTER (WHERE starts = 1) AS referrer,
           max(query) FILTER (WHERE starts = 1) AS query,
           max(country) FILTER (WHERE starts = 1) AS country,
           max(region) FILTER (WHERE starts = 1) AS region,
           max(city) FILTER (WHERE starts = 1) AS city,
           max(browser) FILTER (WHERE starts = 1) AS browser,
           max(os) FILTER (WHERE starts = 1) AS os,
           max(device) FILTER (WHERE starts = 1) AS device,
           max(screen_w) FILTER (WHERE starts = 1) AS screen_w,
           max(screen_h) FILTER (WHERE starts = 1) AS screen_h,
           max(lang) FILTER (WHERE starts = 1) AS lang,
           max(player_version) FILTER (WHERE starts = 1) AS player_version,
           min(entry_ts) AS entry_ts,
           (array_agg(entry_seq ORDER BY entry_ts, entry_seq, old DESC)
                FILTER (WHERE entry_ts IS NOT NULL))[1] AS entry_seq,
           (array_agg(old ORDER BY entry_ts, entry_seq, old DESC)
                FILTER (WHERE entry_ts IS NOT NULL))[1] AS entry_old,
           (array_agg(entry_page ORDER BY entry_ts, entry_seq, old DESC)
                FILTER (WHERE entry_ts IS NOT NULL))[1] AS entry_page,
           max(exit_ts) AS exit_ts,
           (array_agg(exit_seq ORDER BY exit_ts DESC, exit_seq DESC, old DESC)
                FILTER (WHERE exit_ts IS NOT NULL))[1] AS exit_seq,
           (array_agg(old ORDER BY exit_ts DESC, exit_seq DESC, old DESC)
                FILTER (WHERE exit_ts IS NOT NULL))[1] AS exit_old,
           (array_agg(exit_page ORDER BY exit_ts DESC, exit_seq DESC, old DESC)
                FILTER (WHERE exit_ts IS NOT NULL))[1] AS exit_page,
           sum(n_pageleave)::int AS n_pageleave,
           sum(n_click)::int AS n_click,
           sum(n_hover)::int AS n_hover,
           sum(n_eleon)::int AS n_eleon,
           sum(n_eleoff)::int AS n_eleoff,
           sum(n_error)::int AS n_error,
           sum(n_custom)::int AS n_custom,
           sum(n_videoload)::int AS n_videoload,
           sum(n_play)::int AS n_play,
           sum(n_pause)::int AS n_pause,
           sum(n_seek)::int AS n_seek,
           sum(n_rewind)::int AS n_rewind,
           sum(n_ended)::int AS n_ended,
           sum(n_videounload)::int AS n_videounload
    FROM numbered GROUP BY day, site_id, visitor, visit
), wanted AS (
    -- The new rows that give a merged visit its attributes or pages: its
    -- first event, its first and last pageview, where a span holds them.
    SELECT day, site_id, visitor, first_ts, first_ts AS ts, first_seq AS seq, 1 AS part
    FROM merged WHERE NOT first_old
    UNION ALL
    SELECT day, site_id, visitor, first_ts, entry_ts, entry_seq, 2
    FROM merged WHERE NOT entry_old
    UNION ALL
    SELECT day, site_id, visitor, first_ts, exit_ts, exit_seq, 3
    FROM merged WHERE NOT exit_old
), found AS (
    -- The IN first: the wanted keys are hashed and the new rows scanned
    -- once past them (a plain join hashed every new row). A duplicate
    -- (visitor, ts, seq) gives the greatest of each column.
    SELECT w.day, w.site_id, w.visitor, w.first_ts,
           max(i.referrer) FILTER (WHERE w.part = 1) AS referrer,
           max(i.query) FILTER (WHERE w.part = 1) AS query,
           max(i.country) FILTER (WHERE w.part = 1) AS country,
           max(i.region) FILTER (WHERE w.part = 1) AS region,
           max(i.city) FILTER (WHERE w.part = 1) AS city,
           max(i.browser) FILTER (WHERE w.part = 1) AS browser,
           max(i.os) FILTER (WHERE w.part = 1) AS os,
           max(i.device) FILTER (WHERE w.part = 1) AS device,
           max(i.screen_w) FILTER (WHERE w.part = 1) AS screen_w,
           max(i.screen_h) FILTER (WHERE w.part = 1) AS screen_h,
           max(i.lang) FILTER (WHERE w.part = 1) AS lang,
           max(i.player_version) FILTER (WHERE w.part = 1) AS player_version,
           max(i.path) FILTER (WHERE w.part = 2) AS entry_page,
           max(i.path) FILTER (WHERE w.part = 3) AS exit_page
    FROM wanted w
    JOIN (SELECT * FROM rollup_input
          WHERE (day, site_id, visitor, ts, seq) IN (SELECT day, site_id, visitor, ts, seq
                                                     FROM wanted)) i
      ON i.day = w.day AND i.site_id = w.site_id AND i.visitor = w.visitor
     AND i.ts = w.ts AND i.seq = w.seq AND (w.part = 1 OR i.type = $1)
    GROUP BY w.day, w.site_id, w.visitor, w.first_ts
), made AS (
    INSERT INTO rollup_open_visits (
        day, site_id, visitor, first_ts, last_ts, pageviews, interactions, eng,
        first_seq, events, referrer, query, country, region, city, browser, os, device,
        screen_w, screen_h, lang, player_version, entry_ts, entry_seq, entry_page,
        exit_ts, exit_seq, exit_page, n_pageleave, n_click, n_hover, n_eleon,
        n_eleoff, n_error, n_custom, n_videoload, n_play, n_pause,
        n_seek, n_rewind, n_ended, n_videounload)
    SELECT m.day, m.site_id, m.visitor, m.first_ts, m.last_ts, m.pageviews, m.interactions,
           m.eng, m.first_seq, m.events,
           coalesce(m.referrer, f.referrer),
           coalesce(m.query, f.query),
           coalesce(m.country, f.country),
           coalesce(m.region, f.region),
           coalesce(m.city, f.city),
           coalesce(m.browser, f.browser),
           coalesce(m.os, f.os),
           coalesce(m.device, f.device),
           coalesce(m.screen_w, f.screen_w),
           coalesce(m.screen_h, f.screen_h),
           coalesce(m.lang, f.lang),
           coalesce(m.player_version, f.player_version),
           m.entry_ts, m.entry_seq,
           coalesce(m.entry_page, f.entry_page),
           m.exit_ts, m.exit_seq,
           coalesce(m.exit_page, f.exit_page),
           m.n_pageleave, m.n_click, m.n_hover, m.n_eleon, m.n_eleoff, m.n_error,
           m.n_custom, m.n_videoload, m.n_play, m.n_pause, m.n_seek, m.n_rewind, m.n_ended,
           m.n_videounload
    -- An old visit's columns, or else (they are NULL on a span) the
    -- looked-up ones: `found` has only what `wanted` asked for.
    FROM merged m
    LEFT JOIN found f USING (day, site_id, visitor, first_ts)
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
