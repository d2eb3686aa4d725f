-- The last spool record of each generation that is in `events`.
SELECT generation, seq FROM spool_progress
