TRUNCATE :"partition"
