-- Rollups: aggregates per site and site-local day, folded from raw events by
-- collector/jobs/rollup.py, and dashboard login sessions.
--
-- Every rollup table is keyed by (site_id, day), `day` being the date in the
-- site's time zone at fold time. A day is always recomputed whole from the raw
-- events (DELETE + INSERT in one transaction), so folding it again gives the
-- same rows: that is what makes the rollup idempotent. Counts of visitors are
-- distinct visitor hashes of that day only; no table holds a visitor hash.

-- One row: raw events received before `watermark` have been folded (up to
-- the late window, see rollup.py).
CREATE TABLE rollup_state (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),
    watermark       timestamptz NOT NULL DEFAULT '-infinity',
    late_checked_at timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO rollup_state DEFAULT VALUES;

CREATE TABLE rollup_days (
    site_id       integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day           date NOT NULL,
    timezone      text NOT NULL,          -- the zone `day` was cut in
    events        bigint NOT NULL,        -- raw rows folded (late-row check)
    pageviews     bigint NOT NULL,
    visitors      integer NOT NULL,       -- distinct visitor hashes that day
    visits        integer NOT NULL,
    bounces       integer NOT NULL,
    visit_seconds double precision NOT NULL,
    folded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, day)
);

CREATE TABLE rollup_day_types (
    site_id integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day     date NOT NULL,
    type    smallint NOT NULL,
    events  bigint NOT NULL,
    PRIMARY KEY (site_id, day, type)
);

-- Breakdowns of pageviews: dim is one of dashboard.params.DIMENSIONS, key ''
-- stands for "unknown" (no referrer, no GeoIP match...).
CREATE TABLE rollup_day_keys (
    site_id   integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    dim       text NOT NULL,
    day       date NOT NULL,
    key       text NOT NULL,
    visitors  integer NOT NULL,
    pageviews bigint NOT NULL,
    PRIMARY KEY (site_id, dim, day, key)
);

CREATE TABLE rollup_day_media (
    site_id       integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day           date NOT NULL,
    el            text NOT NULL,
    src           text NOT NULL,
    loads         integer NOT NULL,
    plays         integer NOT NULL,
    viewers       integer NOT NULL,
    watch_seconds double precision NOT NULL,
    completions   integer NOT NULL,
    seeks         integer NOT NULL,
    rewinds       integer NOT NULL,
    errors        integer NOT NULL,
    timed_plays   integer NOT NULL,       -- plays with a known duration
    coverage      integer[] NOT NULL,     -- 21 counts: timed plays covering 0 %, 5 % ... 100 %
    PRIMARY KEY (site_id, day, el, src)
);

-- Heatmap cells: x in percent of the page width (0..100), y in 10 px steps.
CREATE TABLE rollup_day_clicks (
    site_id integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day     date NOT NULL,
    path    text NOT NULL,
    x       smallint NOT NULL,
    y       integer NOT NULL,
    clicks  integer NOT NULL,
    PRIMARY KEY (site_id, day, path, x, y)
);

CREATE TABLE rollup_day_click_elements (
    site_id integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    day     date NOT NULL,
    path    text NOT NULL,
    el      text NOT NULL,
    clicks  integer NOT NULL,
    PRIMARY KEY (site_id, day, path, el)
);

-- Dashboard logins: the cookie holds a random token, the table its SHA-256,
-- so a leaked table opens no session and logout really ends one.
CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY,
    user_id    integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
