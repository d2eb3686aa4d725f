-- Spool progress: how far each spool generation (one collector process
-- lifetime, PEIL_DATA_DIR/spool/<generation>) has been written to `events`.
--
-- The writer updates the row in the same transaction as the COPY of a batch,
-- so `seq` is exactly the last spool record PostgreSQL has. Replaying a
-- generation after a crash starts after it: nothing twice, nothing skipped.
-- A row is deleted only after its generation's files are gone.
CREATE TABLE spool_progress (
    generation text PRIMARY KEY,
    seq        bigint NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
