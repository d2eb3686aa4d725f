-- $1 sites, $2 their days (pairwise): days that took rows or were rebuilt;
-- their months are made again later.
DELETE FROM rollup_month_keys t
USING unnest($1::integer[], $2::date[]) AS f (site_id, day)
WHERE t.site_id = f.site_id AND t.month = date_trunc('month', f.day)::date
