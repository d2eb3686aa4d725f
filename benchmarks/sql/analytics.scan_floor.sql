-- $1 site, $2 first instant, $3 end, $4 a page substring ('' for every
-- event). The least any raw-event report does: one parallel scan of the
-- range's events with the filter, nothing grouped.
SELECT count(*) FROM events
WHERE site_id = $1 AND ts >= $2 AND ts < $3
  AND ($4 = '' OR strpos(lower(coalesce(path, '')), $4) > 0)
