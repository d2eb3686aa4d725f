-- The day partitions holding the visitor's rows: :"column" is uid or sid,
-- $1 its value, $2 one site (NULL: every site). Read through the partial
-- index events_uid / events_sid of each partition.
SELECT c.relname AS partition
FROM pg_class c
WHERE c.oid IN (
    SELECT tableoid FROM events
    WHERE :"column" = $1 AND ($2::integer IS NULL OR site_id = $2)
)
