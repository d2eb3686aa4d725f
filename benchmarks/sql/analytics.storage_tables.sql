-- The rollup's tables (aggregates and working state) and any visits table,
-- with their indexes and TOAST.
SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes, c.reltuples::bigint AS rows
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
  AND (c.relname LIKE 'rollup%' OR c.relname LIKE 'visit%')
ORDER BY 2 DESC
