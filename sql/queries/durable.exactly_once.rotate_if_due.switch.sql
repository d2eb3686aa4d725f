-- Under the exclusive lock: the other slot becomes the current one (emptied
-- next), once per period however many nodes try.
UPDATE recent_client_ids_slot
SET slot = 1 - slot, since = now()
WHERE since < now() - make_interval(secs => $1)
RETURNING slot
