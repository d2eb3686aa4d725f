-- The partial index of the rarer event types (migration 0009) also holds the
-- clicks and hovers on a media (those with a `src`, about one in a hundred):
-- the media timeline reads them with the player events, and no longer reads
-- every click and hover of its range to find them. Its queries' conditions
-- (`type IN (...) AND src IS NOT NULL`, or the rare types alone) imply the
-- new predicate, so PostgreSQL still proves the index usable.
-- Built under another name first, the old one dropped last: the build holds
-- a SHARE lock (reads go on, writes wait), the drop's exclusive
-- lock lasts only until the migration commits.
CREATE INDEX events_site_rare_media_ts ON events (site_id, ts)
    WHERE type IN (7, 8, 20, 21, 22, 23, 24, 25, 26) OR src IS NOT NULL;
DROP INDEX events_site_rare_ts;
ALTER INDEX events_site_rare_media_ts RENAME TO events_site_rare_ts;

-- The kept report rows of one event's props or one media's timeline (`a`):
-- found by it, not read for every event or media of the range and dropped.
CREATE INDEX rollup_day_reports_site_report_a_day ON rollup_day_reports (site_id, report, a, day);
