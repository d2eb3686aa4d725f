-- $1 the filter's page ids: the share of the rows they match.
SELECT avg((page = ANY($1::int[]))::int) FROM fact_events
