-- $1 sites, $2 goal names (pairwise): their rows are made for every made day.
UPDATE goals g SET days_made = true
FROM unnest($1::integer[], $2::text[]) AS f (site_id, name)
WHERE g.site_id = f.site_id AND g.name = f.name
