SELECT EXISTS (SELECT FROM events
               WHERE rollup_xact >= $1::text::xid8
                 AND NOT pg_visible_in_snapshot(rollup_xact, $2::text::pg_snapshot))
