-- The day partitions holding rows of a request whose forget was cut off:
-- :"column" is uid or sid, $1 the SHA-256 of its value, $2 one site (NULL:
-- every site), $3 received before this instant. Read through the partial
-- index of :"column" (consent-mode rows only), each value hashed.
SELECT c.relname AS partition
FROM pg_class c
WHERE c.oid IN (
    SELECT tableoid FROM events
    WHERE :"column" IS NOT NULL
      AND sha256(convert_to(:"column", 'UTF8')) = $1
      AND ($2::integer IS NULL OR site_id = $2)
      AND ts < $3
)
