-- $1 site, $2 first day, $3 last day, $4 src, $5 el (NULL: any). Unfiltered:
-- the media's plays with a known duration and coverage counts, per day and
-- element, from the daily rollup.
SELECT timed_plays, coverage FROM rollup_day_media
WHERE site_id = $1 AND day BETWEEN $2 AND $3 AND src = $4 AND ($5::text IS NULL OR el = $5)
