-- Client event ids are unique per site within a day partition (see migration
-- 0008 and collector/durable/exactly_once.py).
CREATE UNIQUE INDEX IF NOT EXISTS :"index" ON :"partition" (site_id, client_id COLLATE "C")
WHERE client_id IS NOT NULL
