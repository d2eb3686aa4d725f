-- dashboard.export.stream.sql and the truncated address, for an instance
-- that keeps addresses at all.
SELECT ts, seq, type, visitor, host, path, query, referrer, el, src, pos,
       from_pos AS "from", to_pos AS "to", dur, x, y, depth, eng, name, props,
       country, region, city, browser, browser_version, os, device, lang,
       screen_w, screen_h, origin, player_version, uid, sid, ip
FROM events
WHERE site_id = $1 AND ts >= $2 AND ts < $3
ORDER BY ts, seq
