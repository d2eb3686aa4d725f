-- $1-$10 the selection. The visitors of every selected event.
SELECT count(*) FROM (
    SELECT day, visitor FROM peil_selected_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    GROUP BY 1, 2) pairs
