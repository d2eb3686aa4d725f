-- $1 sites, $2 their days (pairwise): days that took rows, made again later.
WITH cells AS (
    DELETE FROM rollup_day_site_clicks t
    USING unnest($1::integer[], $2::date[]) AS f (site_id, day)
    WHERE t.site_id = f.site_id AND t.day = f.day
)
DELETE FROM rollup_day_reports t
USING unnest($1::integer[], $2::date[]) AS f (site_id, day)
WHERE t.site_id = f.site_id AND t.day = f.day
