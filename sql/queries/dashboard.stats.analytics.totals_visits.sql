-- $1 site, $2 first day, $3 last day, $4-$6 visit filters. Without event
-- filters the selection is whole visits: its totals and events per type
-- (the visits' counters) need no raw event.
WITH fv AS MATERIALIZED (
    SELECT * FROM peil_filtered_visits($1, $2, $3, $4, $5, $6)
)
SELECT (SELECT count(*) FROM (SELECT day, visitor FROM fv GROUP BY 1, 2) pairs) AS visitors,
       count(*) AS visits, count(*) FILTER (WHERE bounce) AS bounces,
       coalesce(sum(visit_us), 0)::bigint AS visit_us,
       coalesce(sum(pageviews), 0)::bigint AS "pageview",
       coalesce(sum(n_pageleave), 0)::bigint AS "pageleave",
       coalesce(sum(n_click), 0)::bigint AS "click",
       coalesce(sum(n_hover), 0)::bigint AS "hover",
       coalesce(sum(n_eleon), 0)::bigint AS "eleOn",
       coalesce(sum(n_eleoff), 0)::bigint AS "eleOff",
       coalesce(sum(n_error), 0)::bigint AS "error",
       coalesce(sum(n_custom), 0)::bigint AS "custom",
       coalesce(sum(n_videoload), 0)::bigint AS "videoLoad",
       coalesce(sum(n_play), 0)::bigint AS "play",
       coalesce(sum(n_pause), 0)::bigint AS "pause",
       coalesce(sum(n_seek), 0)::bigint AS "seek",
       coalesce(sum(n_rewind), 0)::bigint AS "rewind",
       coalesce(sum(n_ended), 0)::bigint AS "ended",
       coalesce(sum(n_videounload), 0)::bigint AS "videoUnload"
FROM fv
