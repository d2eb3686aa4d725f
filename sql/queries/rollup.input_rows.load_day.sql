INSERT INTO rollup_input
SELECT e.site_id, (e.ts AT TIME ZONE s.timezone)::date AS day, e.ts, e.seq,
       e.visitor, e.type, e.eng, e.path, e.referrer, e.country, e.region, e.city, e.browser,
       e.os, e.device, e.screen_w, e.screen_h, e.lang, e.x, e.y, e.el, e.src, e.pos,
       e.from_pos, e.to_pos, e.dur, e.query, e.player_version, e.host, e.name
FROM events e JOIN sites s ON s.id = e.site_id
WHERE e.site_id = $1 AND e.ts >= $2 AND e.ts < $3
