-- Every stored field of the visitor's rows (:"column" = $1, $2 one site or
-- NULL), named as in the site export (dashboard.export.stream.sql) plus
-- site, client_id and ip; only rollup_xact, a PostgreSQL transaction id, is left out.
SELECT e.ts, e.seq, e.type, e.visitor, s.key AS site, e.host, e.path, e.query, e.referrer,
       e.el, e.src, e.pos, e.from_pos AS "from", e.to_pos AS "to", e.dur, e.x, e.y, e.depth,
       e.eng, e.name, e.props, e.country, e.region, e.city, e.browser, e.browser_version,
       e.os, e.device, e.lang, e.screen_w, e.screen_h, e.origin, e.player_version,
       e.uid, e.sid, e.client_id, e.ip
FROM events e
JOIN sites s ON s.id = e.site_id
WHERE e.:"column" = $1 AND ($2::integer IS NULL OR e.site_id = $2)
ORDER BY e.ts, e.seq
