-- A filtered breakdown's core: the top 10 countries by visitor-days among
-- the rows matching one filter.
SELECT country, count(*) AS visitors, sum(events) AS events
FROM (SELECT country, day, visitor, count(*) AS events
      FROM fact_events WHERE page = ANY($1::int[])
      GROUP BY country, day, visitor) v
GROUP BY country ORDER BY visitors DESC LIMIT 10
