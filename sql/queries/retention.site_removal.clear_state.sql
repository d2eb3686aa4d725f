DELETE FROM :"table" WHERE site_id = $1
