-- $1-$10 the selection (of the days not made), $11 the made days, $12 src,
-- $13 el (NULL: any). The longest duration its events gave.
SELECT max(seconds) FROM peil_report_rows('media_duration', $11, $1, $2, $3, $4, $5, $6, $7,
                                          $8, $9, $10)
WHERE a = $12 AND ($13::text IS NULL OR b = $13)
