-- $1 site, $2 first day, $3 last day, $4-$6 visit filters: the visitors of
-- the matching visits (with no event filter, those of the selected events).
SELECT count(*) FROM (
    SELECT day, visitor FROM peil_filtered_visits($1, $2, $3, $4, $5, $6) GROUP BY 1, 2) pairs
