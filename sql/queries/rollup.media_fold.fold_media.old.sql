DELETE FROM rollup_open_media m
USING (SELECT DISTINCT day, site_id, visitor FROM rollup_input
       WHERE el IS NOT NULL AND (type = ANY($1::smallint[]) OR type = $2)) t
WHERE m.day = t.day AND m.site_id = t.site_id AND m.visitor = t.visitor
RETURNING m.*
