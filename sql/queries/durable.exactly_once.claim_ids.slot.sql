-- The slot that takes new ids; the shared lock keeps a rotation out until
-- this transaction ends.
SELECT slot
FROM recent_client_ids_slot, pg_advisory_xact_lock_shared($1)
