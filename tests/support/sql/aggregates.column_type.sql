-- $1 table, $2 column: its type as written in SQL.
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = $1::regclass AND attname = $2
