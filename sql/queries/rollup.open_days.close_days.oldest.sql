SELECT (SELECT min(day) FROM rollup_open_seen) AS rollup_open_seen,
       (SELECT min(day) FROM rollup_open_visits) AS rollup_open_visits,
       (SELECT min(day) FROM rollup_open_media) AS rollup_open_media
