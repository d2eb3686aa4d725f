-- $1 site, $2 a day not over, $3 the rows folded into it, $4 seconds the make
-- took: the '~' row that marks its report rows as made while open (read as
-- made days by the reports until made again: open_days_to_make).
INSERT INTO rollup_day_reports (site_id, report, day, a, b, c, events, visitors, hovers,
                                clicks, seconds, shown)
VALUES ($1, '~', $2, '', '', '', $3, 0, 0, 0, $4, floor(extract(epoch FROM now()) * 1000)::bigint)
