-- $1 site: its '~' row (rows folded then, the make's seconds, when in ms).
SELECT events, seconds, shown FROM rollup_day_reports WHERE site_id = $1 AND report = '~'
