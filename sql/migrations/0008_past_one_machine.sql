-- Past one machine (issue 18): several collector nodes on one PostgreSQL.
--
-- Client event ids recently stored, by every node: the writer inserts a
-- batch's ids here in the same transaction as its rows, and a row whose id is
-- already here is not stored again (collector/durable/exactly_once.py). So a
-- client that retries an unanswered request on another node is stored once,
-- even when the first node had spooled it and replays it after a crash.
--
-- Two slots, each a partition: ids go into the current one and are looked up
-- in both; every few minutes the older slot is emptied with TRUNCATE (no
-- DELETE, no bloat) and becomes the current one. An id is thus remembered for
-- between one and two rotation periods.
CREATE TABLE recent_client_ids (
    slot      smallint NOT NULL,
    site_id   integer NOT NULL,
    client_id text NOT NULL,
    PRIMARY KEY (site_id, client_id, slot)
) PARTITION BY LIST (slot);
CREATE TABLE recent_client_ids_0 PARTITION OF recent_client_ids FOR VALUES IN (0);
CREATE TABLE recent_client_ids_1 PARTITION OF recent_client_ids FOR VALUES IN (1);

-- Which slot takes new ids, since when.
CREATE TABLE recent_client_ids_slot (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    slot  smallint NOT NULL DEFAULT 0 CHECK (slot IN (0, 1)),
    since timestamptz NOT NULL DEFAULT now()
);
INSERT INTO recent_client_ids_slot DEFAULT VALUES;
