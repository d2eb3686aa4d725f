-- The click heatmap of every page together, per day (collector/rollup/day_reports.py).
--
-- rollup_day_clicks keeps a site's cells per page: 2,000 pages make some
-- 20,000 rows a day, where the site as a whole has a few hundred cells. Each
-- made day keeps those, summed over its pages, here; and its clicks per
-- element, summed the same way, as 'click_elements' rows of
-- rollup_day_reports (a: the element, clicks). Both are made with the day's
-- other report rows, from the day's rows of rollup_day_clicks and
-- rollup_day_click_elements, and forgotten with them when the day takes
-- rows after.
CREATE TABLE rollup_day_site_clicks (
    site_id integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day     date NOT NULL,
    x       smallint NOT NULL,
    y       integer NOT NULL,
    clicks  bigint NOT NULL,
    PRIMARY KEY (site_id, day, x, y)
);

-- The days made before this migration: their rows, from the same rollup.
INSERT INTO rollup_day_site_clicks (site_id, day, x, y, clicks)
SELECT c.site_id, c.day, c.x, c.y, sum(c.clicks)
FROM rollup_day_clicks c
JOIN rollup_day_reports r ON r.site_id = c.site_id AND r.day = c.day AND r.report = '*'
GROUP BY c.site_id, c.day, c.x, c.y;
INSERT INTO rollup_day_reports (site_id, report, day, a, b, c, events, visitors, clicks)
SELECT e.site_id, 'click_elements', e.day, e.el, '', '', 0, 0, sum(e.clicks)
FROM rollup_day_click_elements e
JOIN rollup_day_reports r ON r.site_id = e.site_id AND r.day = e.day AND r.report = '*'
GROUP BY e.site_id, e.day, e.el;
