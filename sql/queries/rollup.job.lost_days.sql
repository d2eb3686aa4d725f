-- Days of the open window ($1 on) with aggregates but no working state: a
-- crash emptied the unlogged state (migration 0005), visits included. Every
-- folded day of the window is open otherwise, so these are rebuilt.
SELECT d.site_id, s.timezone, d.day
FROM rollup_days d JOIN sites s ON s.id = d.site_id
WHERE d.day >= $1
  AND NOT EXISTS (SELECT FROM rollup_open_days o WHERE o.day = d.day AND o.site_id = d.site_id)
