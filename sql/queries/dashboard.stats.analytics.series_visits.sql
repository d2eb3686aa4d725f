-- $1 site, $2 first day, $3 last day, $4-$6 visit filters, $7 day|week|month.
-- Without event filters: per bucket the pageviews, visitors and visits of
-- the matching visits (a visit lies within its day).
SELECT bucket, sum(pageviews)::bigint AS pageviews, count(*) AS visitors,
       sum(visits)::bigint AS visits
FROM (
    SELECT peil_day_bucket($7, day, $2) AS bucket, day, visitor, sum(pageviews) AS pageviews,
           count(*) AS visits
    FROM peil_filtered_visits($1, $2, $3, $4, $5, $6)
    GROUP BY 1, 2, 3
) per_visitor
GROUP BY bucket
