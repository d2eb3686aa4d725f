-- $1 site: whether a page goal has a wildcard (the daily rollup holds whole paths).
SELECT EXISTS (SELECT FROM goals WHERE site_id = $1 AND kind = 'page' AND strpos(match, '*') > 0)
