-- $1-$10 the selection, $11 the event name. Per property key and value.
SELECT p.key, p.value, count(*) AS events, count(DISTINCT (e.day, e.visitor)) AS visitors
FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) e
CROSS JOIN LATERAL jsonb_each_text(
    CASE WHEN jsonb_typeof(e.props) = 'object' THEN e.props ELSE '{}' END) p
WHERE e.type = 8 AND e.name = $11
GROUP BY p.key, p.value ORDER BY p.key, visitors DESC, events DESC, p.value
