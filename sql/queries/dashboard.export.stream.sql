-- The raw events of a site ($1) between two UTC instants ($2, $3), by the
-- names the export gives them. stream.with_ip is the same with the address.
SELECT ts, seq, type, visitor, host, path, query, referrer, el, src, pos,
       from_pos AS "from", to_pos AS "to", dur, x, y, depth, eng, name, props,
       country, region, city, browser, browser_version, os, device, lang,
       screen_w, screen_h, origin, player_version, uid, sid
FROM events
WHERE site_id = $1 AND ts >= $2 AND ts < $3
ORDER BY ts, seq
