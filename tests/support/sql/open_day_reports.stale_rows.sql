-- $1 site, $2 a day: rows as if made while open, with one view of #hero too
-- many (so rows left behind would show).
INSERT INTO rollup_day_reports (site_id, report, day, a, b, c, events, visitors, hovers,
                                clicks, seconds, shown)
VALUES ($1, '~', $2, '', '', '', 4, 0, 0, 0, 0.01, 0),
       ($1, 'elements', $2, '#hero', '', '', 2, 1, 0, 1, 2, 1)
