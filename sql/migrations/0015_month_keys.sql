-- The daily rollup's keys (rollup_day_keys: page, host, event, media...)
-- summed per calendar month once the month is over
-- (collector/rollup/month_keys.py). A 12-month breakdown of 2,000 pages
-- reads some 24,000 month rows and the days at its edges instead of
-- 460,000 day rows. The sums are of the same columns: `visitors` counts
-- visitor-days, as every report over several days does.
--
-- dim '*', key '': the month is made. A day of it that takes rows later, or
-- is rebuilt, drops the month's rows; it is made again.
CREATE TABLE rollup_month_keys (
    site_id   integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    dim       text NOT NULL,
    month     date NOT NULL,  -- its first day
    key       text NOT NULL,
    visitors  bigint NOT NULL,
    pageviews bigint NOT NULL,
    -- The month before the dimension: a day that takes rows drops its month's
    -- rows, every dimension's, by (site, month).
    PRIMARY KEY (site_id, month, dim, key)
);
