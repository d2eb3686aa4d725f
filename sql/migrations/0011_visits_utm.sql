-- The closed visits keep their UTM parameters, decoded once when the visit
-- moves into `visits` (generated columns), instead of on every read: a
-- filter or breakdown on a UTM dimension reads a column, not a plpgsql call
-- per visit (peil_query_param, 0009). The open days' visits, still
-- changing, are decoded as they are read. The columns come last in
-- `visits`, after those it shares with rollup_open_visits, in this order.
ALTER TABLE visits
    ADD COLUMN utm_source text GENERATED ALWAYS AS (peil_query_param(query, 'utm_source')) STORED,
    ADD COLUMN utm_medium text GENERATED ALWAYS AS (peil_query_param(query, 'utm_medium')) STORED,
    ADD COLUMN utm_campaign text
        GENERATED ALWAYS AS (peil_query_param(query, 'utm_campaign')) STORED,
    ADD COLUMN utm_content text
        GENERATED ALWAYS AS (peil_query_param(query, 'utm_content')) STORED,
    ADD COLUMN utm_term text GENERATED ALWAYS AS (peil_query_param(query, 'utm_term')) STORED;

-- The same columns as 0009's view, the UTM ones now read from `visits`.
CREATE OR REPLACE VIEW all_visits AS
SELECT site_id, day, visitor, first_ts, last_ts, first_seq, pageviews, interactions, eng,
       events, n_pageleave, n_click, n_hover, n_eleon, n_eleoff,
       n_error, n_custom, n_videoload, n_play, n_pause,
       n_seek, n_rewind, n_ended, n_videounload,
       entry_page, exit_page, referrer, country, region, city, browser, os,
       CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile' WHEN 3 THEN 'tablet' END
           AS device,
       CASE WHEN screen_w IS NOT NULL AND screen_h IS NOT NULL
            THEN screen_w || 'x' || screen_h END AS screen,
       lang AS language, player_version,
       utm_source, utm_medium, utm_campaign, utm_content, utm_term,
       (pageviews = 1 AND interactions = 0) AS bounce,
       greatest((extract(epoch FROM last_ts - first_ts) * 1000000)::bigint, eng * 1000)
           AS visit_us
FROM (
    SELECT * FROM visits
    UNION ALL
    SELECT o.*, peil_query_param(o.query, 'utm_source'), peil_query_param(o.query, 'utm_medium'),
           peil_query_param(o.query, 'utm_campaign'), peil_query_param(o.query, 'utm_content'),
           peil_query_param(o.query, 'utm_term')
    FROM rollup_open_visits o
) v;
