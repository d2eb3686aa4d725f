-- A filtered overview's core: pageviews and visitor-days of the matching
-- rows (hashed per visitor-day, as PostgreSQL counts distinct fastest).
SELECT sum(pageviews), count(*) AS visitors
FROM (SELECT day, visitor, count(*) FILTER (WHERE type = 1) AS pageviews
      FROM fact_events WHERE page = ANY($1::int[])
      GROUP BY day, visitor) v
