-- $1-$10 the selection, $11 the goals' kinds, $12 their matches (pairwise).
-- The selected events reaching each goal (peil_goal_rows, migration 0012),
-- summed over the days.
SELECT kind, match, sum(events)::bigint AS events, sum(visitors)::bigint AS visitors
FROM peil_goal_rows($11, $12, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
GROUP BY kind, match
