CREATE TEMP TABLE rollup_media_delta ON COMMIT DROP AS
SELECT site_id, day, el, src, watch_us, coverage, loads, plays, viewers, completions,
       seeks, rewinds, errors, timed_plays
FROM rollup_day_media
WITH NO DATA
