-- $1 site: the patterns of its page goals with a wildcard.
SELECT DISTINCT match FROM goals
WHERE site_id = $1 AND kind = 'page' AND strpos(match, '*') > 0 ORDER BY match
