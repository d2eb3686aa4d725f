SELECT since < now() - make_interval(secs => $1)
FROM recent_client_ids_slot
