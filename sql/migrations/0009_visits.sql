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
    ADD COLUMN exit_page      text;

-- The closed days' visits: the same columns as rollup_open_visits, in its order.
CREATE TABLE visits (LIKE rollup_open_visits INCLUDING DEFAULTS);
ALTER TABLE visits ADD PRIMARY KEY (site_id, day, visitor, first_ts);

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
       events, entry_page, exit_page, referrer, country, region, city, browser, os,
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
