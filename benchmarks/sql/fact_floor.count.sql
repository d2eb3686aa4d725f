-- The least a filtered report does: count the rows matching one filter.
SELECT count(*) FROM fact_events WHERE page = ANY($1::int[])
