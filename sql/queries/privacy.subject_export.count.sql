-- The visitor's rows: :"column" is uid or sid, $1 its value, $2 one site or NULL.
SELECT count(*) FROM events
WHERE :"column" = $1 AND ($2::integer IS NULL OR site_id = $2)
