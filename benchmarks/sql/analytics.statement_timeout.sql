-- The app's connections (opened after this) give up a statement after 20 s:
-- a report far over its target then answers 500 instead of holding the
-- benchmark (and the machine) for minutes.
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET statement_timeout = %L', current_database(), '20s');
END
$$
