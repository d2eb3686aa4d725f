WITH gone AS (
    DELETE FROM rollup_open_visits v
    USING (SELECT DISTINCT day, site_id, visitor FROM rollup_input) t
    WHERE v.day = t.day AND v.site_id = t.site_id AND v.visitor = t.visitor
    RETURNING v.*
)
INSERT INTO rollup_old_visits SELECT * FROM gone
