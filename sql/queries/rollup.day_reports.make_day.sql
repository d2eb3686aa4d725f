-- $1 site, $2 a day over: every page's clicks per element (migration 0013),
-- from the per-page rollup, and the '*' row that marks the day as made (its
-- report rows: make_reports).
INSERT INTO rollup_day_reports (site_id, report, day, a, b, c, events, visitors, hovers,
                                clicks, seconds, shown)
SELECT $1, 'click_elements', $2, el, '', '', 0, 0, 0, sum(clicks), 0, 0
FROM rollup_day_click_elements WHERE site_id = $1 AND day = $2 GROUP BY el
UNION ALL
SELECT $1, '*', $2, '', '', '', 0, 0, 0, 0, 0, 0
