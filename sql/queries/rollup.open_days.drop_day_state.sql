WITH open_days AS (
    DELETE FROM rollup_open_days WHERE day = $1 AND site_id = $2
), seen AS (
    DELETE FROM rollup_open_seen WHERE day = $1 AND site_id = $2
), visits AS (
    DELETE FROM rollup_open_visits WHERE day = $1 AND site_id = $2
)
DELETE FROM rollup_open_media WHERE day = $1 AND site_id = $2
