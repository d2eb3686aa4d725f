SELECT count(*) FROM :"table" WHERE :"day_column" < $1
