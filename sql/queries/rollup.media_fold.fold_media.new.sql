SELECT day, site_id, visitor, el, coalesce(src, '') AS src,
       (extract(epoch FROM ts) * 1000000)::bigint AS ts, seq, type, pos,
       from_pos, to_pos, dur
FROM rollup_input
WHERE el IS NOT NULL AND (type = ANY($1::smallint[]) OR type = $2)
