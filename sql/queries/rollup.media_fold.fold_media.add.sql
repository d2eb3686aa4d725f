INSERT INTO rollup_day_media AS m (site_id, day, el, src, loads, plays, viewers, completions,
                                   seeks, rewinds, errors, timed_plays,
                                   watch_us, watch_seconds, coverage)
SELECT site_id, day, el, src, loads, plays, viewers, completions,
       seeks, rewinds, errors, timed_plays, watch_us,
       watch_us::numeric / 1000000, coverage
FROM rollup_media_delta
ON CONFLICT (site_id, day, el, src) DO UPDATE
SET loads = m.loads + excluded.loads,
    plays = m.plays + excluded.plays,
    viewers = m.viewers + excluded.viewers,
    completions = m.completions + excluded.completions,
    seeks = m.seeks + excluded.seeks,
    rewinds = m.rewinds + excluded.rewinds,
    errors = m.errors + excluded.errors,
    timed_plays = m.timed_plays + excluded.timed_plays,
    watch_us = m.watch_us + excluded.watch_us,
    watch_seconds = (m.watch_us + excluded.watch_us)::numeric / 1000000,
    coverage = ARRAY(SELECT u.a + u.b
                     FROM unnest(m.coverage, excluded.coverage)
                          WITH ORDINALITY AS u (a, b, i)
                     ORDER BY u.i)
