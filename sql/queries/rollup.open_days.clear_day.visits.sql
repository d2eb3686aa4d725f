DELETE FROM visits WHERE site_id = $1 AND day = $2
