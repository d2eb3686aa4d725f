-- The day partitions holding rows of a forget request committed after its
-- snapshot ($1, as text), found through events_rollup_xact: :"column" is uid
-- or sid, $2 the SHA-256 of its value, $3 one site (NULL: every site), $4
-- received before this instant.
SELECT c.relname AS partition
FROM pg_class c
WHERE c.oid IN (
    SELECT tableoid FROM events
    WHERE rollup_xact >= pg_snapshot_xmin($1::text::pg_snapshot)
      AND NOT pg_visible_in_snapshot(rollup_xact, $1::text::pg_snapshot)
      AND ts < $4
      AND sha256(convert_to(:"column", 'UTF8')) = $2
      AND ($3::integer IS NULL OR site_id = $3)
)
