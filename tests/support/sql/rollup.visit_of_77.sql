-- $1 site. The open visits of visitor 77 (test_rollup's ordering test):
-- where each starts, its first event's referrer, its pages and counts.
SELECT first_ts, first_seq, referrer, entry_page, exit_page, events, pageviews
FROM rollup_open_visits WHERE site_id = $1 AND visitor = 77
