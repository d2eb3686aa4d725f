WITH days AS (
    DELETE FROM rollup_days WHERE site_id = $1 AND day = $2
), types AS (
    DELETE FROM rollup_day_types WHERE site_id = $1 AND day = $2
), keys AS (
    DELETE FROM rollup_day_keys WHERE site_id = $1 AND day = $2
), media AS (
    DELETE FROM rollup_day_media WHERE site_id = $1 AND day = $2
), visit_keys AS (
    DELETE FROM rollup_day_visit_keys WHERE site_id = $1 AND day = $2
), reports AS (
    DELETE FROM rollup_day_reports WHERE site_id = $1 AND day = $2
), clicks AS (
    DELETE FROM rollup_day_clicks WHERE site_id = $1 AND day = $2
), click_elements AS (
    DELETE FROM rollup_day_click_elements WHERE site_id = $1 AND day = $2
)
DELETE FROM rollup_day_site_clicks WHERE site_id = $1 AND day = $2
