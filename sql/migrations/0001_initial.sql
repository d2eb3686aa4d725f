-- First schema: sites, raw events (one partition per UTC day), accounts,
-- audit trail and the daily visitor-hash salts.

CREATE TABLE sites (
    id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key            text NOT NULL UNIQUE,
    name           text NOT NULL,
    domains        text[] NOT NULL CHECK (cardinality(domains) > 0),
    -- NULL: the instance default (PEIL_RETENTION_DAYS). Only shorter values
    -- make sense, since the purge drops whole days for every site.
    retention_days integer CHECK (retention_days > 0),
    timezone       text NOT NULL DEFAULT 'UTC',
    created_at     timestamptz NOT NULL DEFAULT now()
);

-- Raw events. Columns are ordered widest first so rows carry no alignment
-- padding; low-cardinality values are smallint codes (see
-- collector/ingest/codes.py) and optional values are NULL, which costs one
-- bit in the row's null bitmap.
CREATE TABLE events (
    ts              timestamptz NOT NULL,  -- server receive time (UTC)
    visitor         bigint NOT NULL,       -- keyed hash of (daily salt, site, ip, UA)
    site_id         integer NOT NULL,
    pos             real,                  -- media playhead, seconds
    from_pos        real,                  -- start of the watched segment
    to_pos          real,                  -- end of the segment before a seek
    dur             real,                  -- media duration, seconds
    x               real,                  -- click x, fraction of page width
    y               integer,               -- click y, pixels from the page top
    eng             integer,               -- pageleave: visible and focused time, ms
    type            smallint NOT NULL,     -- event type code
    seq             smallint NOT NULL DEFAULT 0,  -- order within its batch
    depth           smallint,              -- pageleave: deepest scroll, percent
    screen_w        smallint,
    screen_h        smallint,
    browser_version smallint,
    device          smallint,              -- 0 unknown, 1 desktop, 2 mobile, 3 tablet
    country         text,                  -- ISO 3166-1 alpha-2
    region          text,                  -- ISO 3166-2 subdivision code
    city            text,
    browser         text,
    os              text,
    lang            text,                  -- primary language tag
    host            text,
    path            text,
    query           text,
    referrer        text,                  -- referrer host + path, no query
    origin          text,
    el              text,                  -- element descriptor
    src             text,                  -- media source, no query string
    name            text,                  -- custom event name, error message
    player_version  text,
    uid             text,                  -- consent mode only
    sid             text,                  -- consent mode only
    client_id       text,                  -- client event id, for dedup
    ip              inet,                  -- truncated address, or NULL
    props           jsonb
) PARTITION BY RANGE (ts);

-- Per-site time scans (realtime, export, rollups). The partitioned index
-- is created on every day partition automatically.
CREATE INDEX events_site_ts ON events (site_id, ts);
-- Data-subject requests look up consented visitors; partial, so the index
-- holds only the (rare) consent-mode rows.
CREATE INDEX events_uid ON events (uid) WHERE uid IS NOT NULL;
CREATE INDEX events_sid ON events (sid) WHERE sid IS NOT NULL;

CREATE TABLE users (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,          -- argon2id
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE api_tokens (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token: tokens are 256-bit random, so a slow hash adds
    -- nothing but latency to every API call.
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz
);

CREATE TABLE audit_log (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at     timestamptz NOT NULL DEFAULT now(),
    actor  text NOT NULL,                 -- user email, or 'cli:<os user>'
    action text NOT NULL,                 -- purge, forget, subject-export, export
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_action_at ON audit_log (action, at);

-- One salt per UTC day, shared by all workers; the previous day's salt is
-- deleted after a short grace period so no visitor hash can be recomputed.
CREATE TABLE salts (
    day        date PRIMARY KEY,
    salt       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
