COMMENT ON TABLE :"partition" IS :'mark'
