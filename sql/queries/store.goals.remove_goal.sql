-- $1 site, $2 goal name: the goal removed, if there was one.
DELETE FROM goals WHERE site_id = $1 AND name = $2 RETURNING kind, match
