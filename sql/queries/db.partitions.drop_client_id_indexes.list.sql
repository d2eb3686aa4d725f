-- The client id indexes of day partitions, by partition name.
SELECT t.relname AS partition, i.relname AS index
FROM pg_inherits h
JOIN pg_class t ON t.oid = h.inhrelid
JOIN pg_index x ON x.indrelid = t.oid
JOIN pg_class i ON i.oid = x.indexrelid
WHERE h.inhparent = 'events'::regclass AND i.relname = t.relname || '_client_id'
