SELECT c.relname FROM pg_class c
WHERE c.relkind = 'r' AND pg_table_is_visible(c.oid)
  AND obj_description(c.oid, 'pg_class') = $1
  AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)
