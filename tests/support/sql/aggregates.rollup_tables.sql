-- The rollup tables: per day, and the month keys.
SELECT relname FROM pg_class
WHERE relkind = 'r' AND (relname LIKE 'rollup\_day%' OR relname LIKE 'rollup\_month%')
