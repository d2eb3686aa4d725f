INSERT INTO rollup_day_types AS t (site_id, day, type, events)
SELECT site_id, day, type, count(*) FROM rollup_input GROUP BY 1, 2, 3
ON CONFLICT (site_id, day, type) DO UPDATE SET events = t.events + excluded.events
