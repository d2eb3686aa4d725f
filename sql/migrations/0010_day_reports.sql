-- The event reports' daily rows (collector/rollup/day_reports.py): props,
-- errors, elements and the media timeline per site-local day, defined once
-- by peil_day_reports below. A filtered report sums that function's rows over its selection; an
-- unfiltered one sums the rows kept here for the closed days (made once per
-- day, like rollup_day_visit_keys) and the function's rows for the others.
--
-- Counts only, an aggregate like rollup_day_keys: `visitors` counts distinct
-- visitor hashes of the day, so a sum over days counts visitor-days as every
-- report does (README, "Filters, visits and the reports' definitions").
--
-- report       a, b, c                      events   visitors  more
-- 'props'      event name, prop key, value  events   of them
-- 'errors'     kind, message, ''            events   of them
-- 'error_pages' kind, message, page         events   0
-- 'elements'   element, '', ''              views    of views  hovers, clicks,
--                                                              seconds over `shown`
-- 'timeline'   media src, element, kind      events   0         seconds: the position
-- 'media_duration' src, element, ''          0        0         seconds: the longest
-- '*'          '', '', ''                   0        0         (the day is made)
CREATE TABLE rollup_day_reports (
    site_id  integer NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    report   text NOT NULL,
    day      date NOT NULL,
    a        text NOT NULL,
    b        text NOT NULL,
    c        text NOT NULL,
    events   bigint NOT NULL,
    visitors bigint NOT NULL,
    hovers   bigint NOT NULL DEFAULT 0,
    clicks   bigint NOT NULL DEFAULT 0,
    seconds  float8 NOT NULL DEFAULT 0,
    shown    bigint NOT NULL DEFAULT 0
);
-- Not unique: a, b and c hold tracked strings (up to 300 characters each,
-- collector/ingest/validate.py) that a key of the btree need not carry.
CREATE INDEX rollup_day_reports_site_report_day ON rollup_day_reports (site_id, report, day);

-- The rows of `report` ('props', 'errors', 'error_pages', 'elements',
-- 'timeline' or 'media_duration') per
-- day of the selected events (peil_selected_events: the same ten parameters).
-- A branch whose condition is on `report` only is dropped when the query is
-- planned with its parameters.
CREATE FUNCTION peil_day_reports(report text, site integer, first_day date, last_day date,
                                 tz text, vd text[], vo text[], vp text[],
                                 ed text[], eo text[], ep text[])
RETURNS TABLE (day date, a text, b text, c text, events bigint, visitors bigint,
               hovers bigint, clicks bigint, seconds float8, shown bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH e AS MATERIALIZED (
        SELECT * FROM peil_selected_events(site, first_day, last_day, tz, vd, vo, vp,
                                           ed, eo, ep)
        WHERE (report = 'props' AND type = 8)
           OR (report IN ('errors', 'error_pages') AND type = 7)
           OR (report = 'elements' AND type IN (3, 4, 5, 6) AND el IS NOT NULL)
           OR (report = 'timeline' AND type IN (3, 4, 7, 22, 23, 24) AND src IS NOT NULL)
           OR (report = 'media_duration' AND el IS NOT NULL AND dur > 0
               AND type IN (7, 20, 21, 22, 23, 24, 25, 26))
    ), error_rows AS (
        SELECT day, visitor, coalesce(path, '') AS path,
               CASE WHEN el IS NULL THEN 'js' ELSE 'media' END AS kind,
               CASE WHEN el IS NULL THEN coalesce(name, '')
                    ELSE coalesce('code ' || (props ->> 'code'), 'media error') END AS message
        FROM e WHERE type = 7
    ), shown AS (
        -- An element's time on screen: from an eleOn to the next eleOff of the
        -- same visitor, element and page that day.
        SELECT day, el, extract(epoch FROM next_off - ts)::float8 AS seconds FROM (
            SELECT day, el, type, ts, min(ts) FILTER (WHERE type = 6) OVER (
                PARTITION BY day, visitor, el, coalesce(path, '') ORDER BY ts, seq
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_off
            FROM e WHERE type IN (5, 6)) w
        WHERE type = 5 AND next_off IS NOT NULL
    )
    SELECT e.day, coalesce(e.name, ''), p.key, p.value, count(*),
           count(DISTINCT e.visitor), 0::bigint, 0::bigint, 0::float8, 0::bigint
    FROM e CROSS JOIN LATERAL jsonb_each_text(
        CASE WHEN jsonb_typeof(e.props) = 'object' THEN e.props ELSE '{}' END) p
    WHERE report = 'props'
    GROUP BY e.day, e.name, p.key, p.value
    UNION ALL
    SELECT day, kind, message, '', count(*), count(DISTINCT visitor), 0, 0, 0, 0
    FROM error_rows WHERE report = 'errors'
    GROUP BY day, kind, message
    UNION ALL
    SELECT day, kind, message, path, count(*), 0, 0, 0, 0, 0
    FROM error_rows WHERE report = 'error_pages'
    GROUP BY day, kind, message, path
    UNION ALL
    SELECT c.day, c.el, '', '', c.views, c.visitors, c.hovers, c.clicks,
           coalesce(s.seconds, 0), coalesce(s.shown, 0)
    FROM (
        SELECT day, el, count(*) FILTER (WHERE type = 5) AS views,
               count(DISTINCT visitor) FILTER (WHERE type = 5) AS visitors,
               count(*) FILTER (WHERE type = 4) AS hovers,
               count(*) FILTER (WHERE type = 3) AS clicks
        FROM e WHERE report = 'elements' GROUP BY day, el) c
    LEFT JOIN (SELECT day, el, sum(seconds) AS seconds, count(*) AS shown
               FROM shown GROUP BY day, el) s USING (day, el)
    UNION ALL
    -- Interactions with a media at a position of its timeline: clicks, hovers,
    -- pauses and errors at their pos; a seek or rewind where it left (its
    -- `to`) and where it went (its pos). Per exact position: the timeline's
    -- points depend on the range's duration.
    SELECT e.day, e.src, coalesce(e.el, ''), i.kind, count(*), 0, 0, 0, i.at, 0
    FROM e CROSS JOIN LATERAL (VALUES
        (CASE e.type WHEN 3 THEN 'clicks' WHEN 4 THEN 'hovers' WHEN 22 THEN 'pauses'
                     WHEN 7 THEN 'errors' ELSE 'seeks_to' END, e.pos::float8),
        (CASE WHEN e.type IN (23, 24) THEN 'seeks_from' END, e.to_pos::float8)
    ) AS i (kind, at)
    WHERE report = 'timeline' AND i.kind IS NOT NULL AND i.at IS NOT NULL
    GROUP BY e.day, e.src, e.el, i.kind, i.at
    UNION ALL
    -- The longest duration a media's player and error events gave that day.
    SELECT day, coalesce(src, ''), el, '', 0, 0, 0, 0, max(dur)::float8, 0
    FROM e WHERE report = 'media_duration'
    GROUP BY day, src, el
$$;

-- The rows of `which` for the selection: the kept rows of the `made` days
-- (unfiltered reports only) and peil_day_reports' rows of every other day.
-- The caller narrows first_day..last_day to the days not made.
CREATE FUNCTION peil_report_rows(which text, made date[], site integer, first_day date,
                                 last_day date, tz text, vd text[], vo text[], vp text[],
                                 ed text[], eo text[], ep text[])
RETURNS TABLE (day date, a text, b text, c text, events bigint, visitors bigint,
               hovers bigint, clicks bigint, seconds float8, shown bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT r.day, r.a, r.b, r.c, r.events, r.visitors, r.hovers, r.clicks, r.seconds, r.shown
    FROM rollup_day_reports r
    WHERE r.site_id = site AND r.report = which AND r.day = ANY (made)
    UNION ALL
    SELECT d.day, d.a, d.b, d.c, d.events, d.visitors, d.hovers, d.clicks, d.seconds, d.shown
    FROM peil_day_reports(which, site, first_day, last_day, tz, vd, vo, vp, ed, eo, ep) d
    WHERE d.day <> ALL (made)
$$;
