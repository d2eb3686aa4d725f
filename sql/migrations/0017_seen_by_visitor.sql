-- The open days' seen-set (rollup_open_seen, 0005) keyed visitor first: a
-- rollup run reads the touched visitors' seen pairs as one index range per
-- visitor and inserts only the pairs it did not find, where every pair of
-- the run (some 300,000 for 200,000 new events, nearly all seen already)
-- was an index probe of its own. Same columns, same uniqueness.
ALTER TABLE rollup_open_seen
    DROP CONSTRAINT rollup_open_seen_pkey,
    ADD PRIMARY KEY (day, site_id, visitor, dim, key_hash);
