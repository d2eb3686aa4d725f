-- Accounts that hold under attack, and the site settings the privacy tools
-- read (dashboard/access.py, collector/store/accounts.py, collector/privacy/).

-- admin: every site, settings, users, tokens, privacy requests.
-- viewer: reads the sites granted in site_grants, nothing else.
ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'viewer'
    CHECK (role IN ('admin', 'viewer'));
-- Before roles every user read every site and managed nothing else; keeping
-- them able to read everything means admin.
UPDATE users SET role = 'admin';

CREATE TABLE site_grants (
    user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_id integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, site_id)
);
CREATE INDEX site_grants_site ON site_grants (site_id);

-- Tokens get a name for people, a lifetime and a revocation; a revoked token
-- is kept (its row says when and by whom it stopped working in audit_log).
ALTER TABLE api_tokens ADD COLUMN name text NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
ALTER TABLE api_tokens ADD COLUMN revoked_at timestamptz;
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed logins within the throttling window, shared by every worker and
-- surviving restarts. `address` is the truncated client address only
-- (privacy rule 1); rows older than the window are deleted as new ones come.
CREATE TABLE login_failures (
    at      timestamptz NOT NULL DEFAULT now(),
    -- SHA-256 of the lower-cased email as typed: unknown accounts count too,
    -- and whatever a stranger typed (a password in the wrong field) is not kept.
    account bytea NOT NULL,
    address text NOT NULL
);
CREATE INDEX login_failures_account ON login_failures (account, at);
CREATE INDEX login_failures_address ON login_failures (address, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- Privacy settings of a site: consent mode (the snippet then carries
-- data-consent="required" and the tracker stores peil_id only after consent)
-- and the contact address the privacy statement names for visitors' requests.
ALTER TABLE sites ADD COLUMN consent text NOT NULL DEFAULT 'none'
    CHECK (consent IN ('none', 'required'));
ALTER TABLE sites ADD COLUMN contact text;
-- Set while `peil sites remove` deletes the site's raw events: ingest takes
-- no more of them, and an interrupted removal can be run again.
ALTER TABLE sites ADD COLUMN removing_since timestamptz;

-- `peil audit --since` reads by time across every action.
CREATE INDEX audit_log_at ON audit_log (at);

-- Conversion goals of a site: a custom event by name, or a page path pattern
-- in which `*` matches any run of characters.
CREATE TABLE goals (
    site_id    integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('event', 'page')),
    match      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, name)
);
