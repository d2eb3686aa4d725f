-- $1 sites, $2 their days (pairwise): days that took rows. A made day's rows
-- go, to be made again later; rows made while the day is open ('~') stay
-- until they are made again (open_days_to_make).
WITH f AS MATERIALIZED (
    SELECT f.site_id, f.day FROM unnest($1::integer[], $2::date[]) AS f (site_id, day)
    WHERE NOT EXISTS (SELECT FROM rollup_day_reports o
                      WHERE o.site_id = f.site_id AND o.report = '~' AND o.a = ''
                        AND o.day = f.day)
), cells AS (
    DELETE FROM rollup_day_site_clicks t USING f
    WHERE t.site_id = f.site_id AND t.day = f.day
)
DELETE FROM rollup_day_reports t USING f
WHERE t.site_id = f.site_id AND t.day = f.day
