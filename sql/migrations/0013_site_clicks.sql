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
