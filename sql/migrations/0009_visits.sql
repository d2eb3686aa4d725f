-- Visits with their attributes, for filters and visit-dimension reports
-- (dashboard/stats/selection.py; README, "Filters, visits and the reports'
-- definitions").
--
-- The rollup already merges each open day's visits in rollup_open_visits
-- (0005); a visit now also carries what the reports filter and group on:
-- the attributes of its first event, its entry and exit pages and its event
-- count. When a day closes its visits move, unchanged, into `visits`
-- (logged, read by the reports); a rebuild of a day deletes them there too.
-- Like the raw events, visits hold visitor hashes: the purge deletes them
-- with the raw days, a forget request with the subject's events, a site
-- removal with the site.

ALTER TABLE rollup_open_visits
    ADD COLUMN first_seq      smallint NOT NULL DEFAULT 0,
    ADD COLUMN events         integer NOT NULL DEFAULT 0,
    ADD COLUMN referrer       text,
    ADD COLUMN query          text,
    ADD COLUMN country        text,
    ADD COLUMN region         text,
    ADD COLUMN city           text,
    ADD COLUMN browser        text,
    ADD COLUMN os             text,
    ADD COLUMN device         smallint,
    ADD COLUMN screen_w       smallint,
    ADD COLUMN screen_h       smallint,
    ADD COLUMN lang           text,
    ADD COLUMN player_version text,
    ADD COLUMN entry_ts       timestamptz,
    ADD COLUMN entry_seq      smallint,
    ADD COLUMN entry_page     text,
    ADD COLUMN exit_ts        timestamptz,
    ADD COLUMN exit_seq       smallint,
    ADD COLUMN exit_page      text,
    -- Events per type other than pageviews (collector.model.vocabulary
    -- EVENT_TYPES; rollup.fold.fold_visits.merge), so an overview filtered
    -- by visit dimensions only is answered from the visits alone.
    ADD COLUMN n_pageleave    integer NOT NULL DEFAULT 0,
    ADD COLUMN n_click        integer NOT NULL DEFAULT 0,
    ADD COLUMN n_hover        integer NOT NULL DEFAULT 0,
    ADD COLUMN n_eleon        integer NOT NULL DEFAULT 0,
    ADD COLUMN n_eleoff       integer NOT NULL DEFAULT 0,
    ADD COLUMN n_error        integer NOT NULL DEFAULT 0,
    ADD COLUMN n_custom       integer NOT NULL DEFAULT 0,
    ADD COLUMN n_videoload    integer NOT NULL DEFAULT 0,
    ADD COLUMN n_play         integer NOT NULL DEFAULT 0,
    ADD COLUMN n_pause        integer NOT NULL DEFAULT 0,
    ADD COLUMN n_seek         integer NOT NULL DEFAULT 0,
    ADD COLUMN n_rewind       integer NOT NULL DEFAULT 0,
    ADD COLUMN n_ended        integer NOT NULL DEFAULT 0,
    ADD COLUMN n_videounload  integer NOT NULL DEFAULT 0;

-- The reports read the open days' visits too, also on a hot standby, which
-- has no unlogged table: the open visits are logged from now on. After a
-- crash the other (unlogged) state is lost with rollup_open_days, and the
-- rollup rebuilds those days, their visits included (rollup.job.lost_days).
ALTER TABLE rollup_open_visits SET LOGGED;

-- The closed days' visits: the same columns as rollup_open_visits, in its order.
CREATE TABLE visits (LIKE rollup_open_visits INCLUDING DEFAULTS);
ALTER TABLE visits ADD PRIMARY KEY (site_id, day, visitor, first_ts);

-- The visit dimensions' breakdown of each closed day, made once from its
-- visits when the day has closed (collector/rollup/visit_keys.py): per
-- dimension and key the day's visits, bounces, seconds, pageviews, events
-- and distinct visitors. Counts only, an aggregate like rollup_day_keys. A
-- row with dim '*' marks the day as made (and holds its totals); the
-- unfiltered reports add the days not yet made from their visits directly.
CREATE TABLE rollup_day_visit_keys (
    site_id   integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    dim       text NOT NULL,
    day       date NOT NULL,
    key       text NOT NULL,
    visitors  integer NOT NULL,
    visits    integer NOT NULL,
    bounces   integer NOT NULL,
    visit_us  bigint NOT NULL,
    pageviews bigint NOT NULL,
    events    bigint NOT NULL,
    PRIMARY KEY (site_id, dim, day, key)
);

-- The value of query parameter `name` in a kept query string (events.query:
-- the parameters of PEIL_KEEP_QUERY, as sent), decoded as
-- application/x-www-form-urlencoded: the first parameter of that name, `+`
-- a space, %XX a byte; NULL when absent or empty. A value whose bytes are no
-- valid UTF-8 is kept as sent.
CREATE FUNCTION peil_form_decode(raw text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    spaced text := replace(raw, '+', ' ');
    bytes bytea := '';
    token text;
BEGIN
    IF strpos(spaced, '%') = 0 THEN
        RETURN spaced;
    END IF;
    FOR token IN SELECT m[1] FROM regexp_matches(spaced, '(%[0-9A-Fa-f]{2}|%|[^%]+)', 'g') AS m
    LOOP
        IF length(token) = 3 AND left(token, 1) = '%' THEN
            bytes := bytes || decode(substr(token, 2), 'hex');
        ELSE
            bytes := bytes || convert_to(token, 'UTF8');
        END IF;
    END LOOP;
    RETURN convert_from(bytes, 'UTF8');
EXCEPTION WHEN character_not_in_repertoire OR untranslatable_character
               OR invalid_parameter_value OR OTHERS THEN
    RETURN spaced;
END $$;

CREATE FUNCTION peil_query_param(query text, name text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    part text;
BEGIN
    FOREACH part IN ARRAY string_to_array(query, '&') LOOP
        IF peil_form_decode(split_part(part, '=', 1)) = name THEN
            RETURN nullif(peil_form_decode(substr(part, length(split_part(part, '=', 1)) + 2)), '');
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- The visit columns the reports read, open days and closed ones together,
-- with the visit dimensions under their API names.
CREATE VIEW all_visits AS
SELECT site_id, day, visitor, first_ts, last_ts, first_seq, pageviews, interactions, eng,
       events, n_pageleave, n_click, n_hover, n_eleon, n_eleoff,
       n_error, n_custom, n_videoload, n_play, n_pause,
       n_seek, n_rewind, n_ended, n_videounload,
       entry_page, exit_page, referrer, country, region, city, browser, os,
       CASE device WHEN 1 THEN 'desktop' WHEN 2 THEN 'mobile' WHEN 3 THEN 'tablet' END
           AS device,
       CASE WHEN screen_w IS NOT NULL AND screen_h IS NOT NULL
            THEN screen_w || 'x' || screen_h END AS screen,
       lang AS language, player_version,
       peil_query_param(query, 'utm_source') AS utm_source,
       peil_query_param(query, 'utm_medium') AS utm_medium,
       peil_query_param(query, 'utm_campaign') AS utm_campaign,
       peil_query_param(query, 'utm_content') AS utm_content,
       peil_query_param(query, 'utm_term') AS utm_term,
       (pageviews = 1 AND interactions = 0) AS bounce,
       greatest((extract(epoch FROM last_ts - first_ts) * 1000000)::bigint, eng * 1000)
           AS visit_us
FROM (SELECT * FROM visits UNION ALL SELECT * FROM rollup_open_visits) v;

-- Filters (dashboard/stats/filters.py): `value` against `pattern` with one
-- of the operators; '' stands for an unknown value ("(none)" in the API).
CREATE FUNCTION peil_match(value text, op text, pattern text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE op
        WHEN '==' THEN coalesce(value, '') = pattern
        WHEN '!=' THEN coalesce(value, '') <> pattern
        WHEN '~' THEN strpos(lower(coalesce(value, '')), lower(pattern)) > 0
        ELSE strpos(lower(coalesce(value, '')), lower(pattern)) = 0
    END
$$;

-- An event dimension's value of one event.
CREATE FUNCTION peil_event_value(dim text, path text, host text, type smallint, name text,
                                 src text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE dim
        WHEN 'page' THEN path
        WHEN 'host' THEN host
        WHEN 'event' THEN CASE WHEN type = 8 THEN name END
        WHEN 'media' THEN src
    END
$$;

-- Whether an event matches every event filter: up to 10 (d, o, p) slots,
-- unrolled so that a query planned with its parameters (plan_cache_mode =
-- force_custom_plan) keeps only the slots in use.
CREATE FUNCTION peil_event_ok(d text[], o text[], p text[], path text, host text,
                              type smallint, name text, src text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (d[1] IS NULL OR peil_match(peil_event_value(d[1], path, host, type, name, src), o[1], p[1]))
       AND (d[2] IS NULL OR peil_match(peil_event_value(d[2], path, host, type, name, src), o[2], p[2]))
       AND (d[3] IS NULL OR peil_match(peil_event_value(d[3], path, host, type, name, src), o[3], p[3]))
       AND (d[4] IS NULL OR peil_match(peil_event_value(d[4], path, host, type, name, src), o[4], p[4]))
       AND (d[5] IS NULL OR peil_match(peil_event_value(d[5], path, host, type, name, src), o[5], p[5]))
       AND (d[6] IS NULL OR peil_match(peil_event_value(d[6], path, host, type, name, src), o[6], p[6]))
       AND (d[7] IS NULL OR peil_match(peil_event_value(d[7], path, host, type, name, src), o[7], p[7]))
       AND (d[8] IS NULL OR peil_match(peil_event_value(d[8], path, host, type, name, src), o[8], p[8]))
       AND (d[9] IS NULL OR peil_match(peil_event_value(d[9], path, host, type, name, src), o[9], p[9]))
       AND (d[10] IS NULL OR peil_match(peil_event_value(d[10], path, host, type, name, src), o[10], p[10]))
$$;

-- A visit dimension's value of one visit (all_visits columns).
CREATE FUNCTION peil_visit_value(
    dim text, entry_page text, exit_page text, referrer text, utm_source text,
    utm_medium text, utm_campaign text, utm_content text, utm_term text, country text,
    region text, city text, browser text, os text, device text, screen text,
    language text, player_version text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE dim
        WHEN 'entry_page' THEN entry_page WHEN 'exit_page' THEN exit_page
        WHEN 'referrer' THEN referrer
        WHEN 'utm_source' THEN utm_source WHEN 'utm_medium' THEN utm_medium
        WHEN 'utm_campaign' THEN utm_campaign WHEN 'utm_content' THEN utm_content
        WHEN 'utm_term' THEN utm_term
        WHEN 'country' THEN country WHEN 'region' THEN region WHEN 'city' THEN city
        WHEN 'browser' THEN browser WHEN 'os' THEN os WHEN 'device' THEN device
        WHEN 'screen' THEN screen WHEN 'language' THEN language
        WHEN 'player_version' THEN player_version
    END
$$;

-- The visits of a site's days that match every visit filter (slots as above).
CREATE FUNCTION peil_filtered_visits(site integer, first_day date, last_day date,
                                     d text[], o text[], p text[])
RETURNS SETOF all_visits
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT * FROM all_visits v
    WHERE v.site_id = site AND v.day BETWEEN first_day AND last_day
      AND (d[1] IS NULL OR peil_match(peil_visit_value(d[1], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[1], p[1]))
      AND (d[2] IS NULL OR peil_match(peil_visit_value(d[2], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[2], p[2]))
      AND (d[3] IS NULL OR peil_match(peil_visit_value(d[3], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[3], p[3]))
      AND (d[4] IS NULL OR peil_match(peil_visit_value(d[4], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[4], p[4]))
      AND (d[5] IS NULL OR peil_match(peil_visit_value(d[5], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[5], p[5]))
      AND (d[6] IS NULL OR peil_match(peil_visit_value(d[6], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[6], p[6]))
      AND (d[7] IS NULL OR peil_match(peil_visit_value(d[7], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[7], p[7]))
      AND (d[8] IS NULL OR peil_match(peil_visit_value(d[8], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[8], p[8]))
      AND (d[9] IS NULL OR peil_match(peil_visit_value(d[9], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[9], p[9]))
      AND (d[10] IS NULL OR peil_match(peil_visit_value(d[10], v.entry_page, v.exit_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.utm_content, v.utm_term, v.country, v.region, v.city, v.browser, v.os, v.device, v.screen, v.language, v.player_version), o[10], p[10]))
$$;

-- The selected events (README, "Filters, visits and the reports'
-- definitions"): the site's events of the days that match every event
-- filter and, when there are visit filters, lie within a matching visit. Two
-- branches, one of which a query planned with its parameters drops (a
-- condition on a parameter only): a join, unlike EXISTS under OR, can run as
-- one hash join instead of a lookup per event.
CREATE FUNCTION peil_selected_events(site integer, first_day date, last_day date, tz text,
                                     vd text[], vo text[], vp text[],
                                     ed text[], eo text[], ep text[])
RETURNS TABLE (ts timestamptz, seq smallint, day date, visitor bigint, type smallint,
               path text, host text, name text, src text, el text, pos real,
               from_pos real, to_pos real, dur real, x real, y integer, eng integer,
               props jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT e.ts, e.seq, (e.ts AT TIME ZONE tz)::date, e.visitor, e.type, e.path, e.host,
           e.name, e.src, e.el, e.pos, e.from_pos, e.to_pos, e.dur, e.x, e.y, e.eng, e.props
    FROM events e
    WHERE cardinality(vd) = 0 AND e.site_id = site
      AND e.ts >= first_day::timestamp AT TIME ZONE tz
      AND e.ts < (last_day + 1)::timestamp AT TIME ZONE tz
      AND peil_event_ok(ed, eo, ep, e.path, e.host, e.type, e.name, e.src)
    UNION ALL
    SELECT e.ts, e.seq, (e.ts AT TIME ZONE tz)::date, e.visitor, e.type, e.path, e.host,
           e.name, e.src, e.el, e.pos, e.from_pos, e.to_pos, e.dur, e.x, e.y, e.eng, e.props
    FROM events e
    JOIN peil_filtered_visits(site, first_day, last_day, vd, vo, vp) v
      ON v.visitor = e.visitor AND v.day = (e.ts AT TIME ZONE tz)::date
     AND e.ts BETWEEN v.first_ts AND v.last_ts
    WHERE cardinality(vd) > 0 AND e.site_id = site
      AND e.ts >= first_day::timestamp AT TIME ZONE tz
      AND e.ts < (last_day + 1)::timestamp AT TIME ZONE tz
      AND peil_event_ok(ed, eo, ep, e.path, e.host, e.type, e.name, e.src)
$$;

-- A page goal's or funnel step's pattern (`*` any run of characters, else the
-- whole path) as a LIKE pattern.
CREATE FUNCTION peil_like_pattern(pattern text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(replace(pattern, '\', '\\'), '%', '\%'), '_', '\_'), '*', '%')
$$;

-- The first day of `day`'s bucket of a day, week (Monday) or month series,
-- cut to the range starting at `first_day`.
CREATE FUNCTION peil_day_bucket(step text, day date, first_day date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT greatest(CASE step
        WHEN 'week' THEN day - (extract(isodow FROM day)::integer - 1)
        WHEN 'month' THEN date_trunc('month', day)::date
        ELSE day END, first_day)
$$;

-- The instant the site-local clock hour holding `ts` began: a repeated hour
-- of a DST change keeps its own start (its offset), unlike a local time.
CREATE FUNCTION peil_hour_bucket(ts timestamptz, tz text) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ts - ((ts AT TIME ZONE tz) - date_trunc('hour', ts AT TIME ZONE tz))
$$;

-- The rarer event types the reports read on their own (errors; custom events
-- for events, props and goals; player events for media and its timeline):
-- a filtered report finds them without reading every event of its range.
-- About a tenth of the rows, so inserts pay little for it.
CREATE INDEX events_site_rare_ts ON events (site_id, ts)
    WHERE type IN (7, 8, 20, 21, 22, 23, 24, 25, 26);
