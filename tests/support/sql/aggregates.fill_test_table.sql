-- $1 first day, $2 last day: a row of one pageview per day in the test table.
INSERT INTO rollup_retention_test
SELECT d, 1 FROM generate_series($1::date, $2::date, '1 day') d
