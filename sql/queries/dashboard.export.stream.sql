-- The raw events of a site ($1) between two UTC instants ($2, $3), by the
-- names the export gives them. stream.with_ip is the same with the address.
SELECT ts, seq, type, visitor, host, path, query, referrer, el, src, pos,
       from_pos AS "from", to_pos AS "to", dur, x, y, depth, eng, name, props,
       country, region, city, browser, browser_version, os, device, lang,
       screen_w, screen_h, origin, player_version, uid, sid
FROM events
WHERE site_id = $1 AND ts >= $2 AND ts < $3
  -- $4-$12: the selection's days, zone and filters (dashboard/stats/selection.py)
  AND peil_event_ok($10, $11, $12, path, host, type, name, src)
  AND ($7::text[] = '{}' OR EXISTS (
      SELECT FROM peil_filtered_visits($1, $4, $5, $7, $8, $9) v
      WHERE v.visitor = events.visitor AND v.day = (events.ts AT TIME ZONE $6)::date
        AND events.ts BETWEEN v.first_ts AND v.last_ts))
ORDER BY ts, seq
