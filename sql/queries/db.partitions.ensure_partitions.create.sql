CREATE TABLE :"partition" PARTITION OF events
FOR VALUES FROM (:'day_start') TO (:'day_end')
