-- Forget requests (`peil forget`, POST /api/admin/privacy/forget): the
-- tombstone that lets a forget reach events acknowledged before it but
-- written to `events` only later (a collector's spool backlog, an orphaned
-- spool replayed at the next start). See collector/privacy/__init__.py.
--
-- The forget deletes what PostgreSQL already has; the jobs process then
-- deletes the matching rows committed after `checked` (found through
-- events_rollup_xact, as the rollup finds its new rows) until no spool holds
-- a record received before the request, and closes the request.
CREATE TABLE forget_requests (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT now(),
    kind         text NOT NULL CHECK (kind IN ('uid', 'sid')),
    -- sha256(convert_to(uid or sid, 'UTF8')): the identifier itself is never
    -- stored here. NULL once the request is closed: nothing is left to match.
    subject_hash bytea CHECK (subject_hash IS NULL OR length(subject_hash) = 32),
    site_id      integer REFERENCES sites (id) ON DELETE CASCADE,  -- NULL: every site
    -- Rows this snapshot sees were deleted (or checked) already; the next
    -- check reads only rows committed after it.
    checked      pg_snapshot NOT NULL DEFAULT pg_current_snapshot(),
    rechecked    bigint NOT NULL DEFAULT 0,  -- rows the later checks deleted
    -- Set when the forget itself went through every partition. A request
    -- without it whose forget is gone (killed, cut off) gets its old rows
    -- deleted by the next check, by the hash, before it may close.
    completed_at timestamptz,
    closed_at    timestamptz,
    CHECK ((closed_at IS NULL) = (subject_hash IS NOT NULL))
);
CREATE INDEX forget_requests_open ON forget_requests (id) WHERE closed_at IS NULL;
