-- Planner estimate: exact count(*) over months of events takes too long.
SELECT coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'events'::regclass
