SELECT snapshot::text AS previous, pg_snapshot_xmin(snapshot)::text AS xmin,
       watermark - $1::interval AS since,
       (now() AT TIME ZONE 'UTC')::date - $2::integer AS open_from,
       pg_current_snapshot()::text AS current
FROM rollup_state
