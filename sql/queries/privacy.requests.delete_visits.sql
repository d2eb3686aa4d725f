-- The visits in :"table" (visits or rollup_open_visits) of the visitor hashes
-- a forget deleted events of: $1 sites, $2 visitor hashes, $3 the UTC days of
-- those events, element by element. A hash is keyed by its UTC day's salt and
-- a visit's day is site-local, so the day before and after are looked at too:
-- each (site_id, day, visitor) found along the primary key.
DELETE FROM :"table" v
USING unnest($1::integer[], $2::bigint[], $3::date[]) AS f(site_id, visitor, day),
      generate_series(-1, 1) AS around(shift)
WHERE v.site_id = f.site_id AND v.visitor = f.visitor AND v.day = f.day + around.shift
