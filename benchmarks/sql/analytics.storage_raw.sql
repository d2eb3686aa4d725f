-- The raw events' partitions: heap (with TOAST), indexes, and of those the
-- per-day client-id unique indexes (dropped once a day is 7 days old).
SELECT sum(pg_total_relation_size(c.oid)) AS total,
       sum(pg_total_relation_size(c.oid) - pg_indexes_size(c.oid)) AS heap,
       sum(pg_indexes_size(c.oid)) AS indexes,
       sum((SELECT coalesce(sum(pg_relation_size(x.indexrelid)), 0)
            FROM pg_index x
            WHERE x.indrelid = c.oid AND x.indexrelid::regclass::text LIKE '%client_id')) AS client_ids
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'events'::regclass
