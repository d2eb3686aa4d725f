SELECT count(*) FROM :"partition"
